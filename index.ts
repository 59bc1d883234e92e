// Entry point: read and validate the stack configuration, read the stack's previous
// state (what it granted, and to whom), resolve the account, check the tenant
// (environments, licence) and that the operator keeps its own access, then build the
// component for the configured stage and return what the operator needs to see. Every check runs before the first
// resource is registered, so a bad configuration or an unready tenant changes nothing —
// and `pulumi preview` already reports it.

import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

import { ConfigError, describeServiceAccount, NAMESPACE, ServiceAccountRef } from "./lib/config";
import { nextSteps } from "./lib/next-steps";
import { GLOBAL_ADMINISTRATOR } from "./lib/directory-roles";
import { decideOrigins, describeGiveBack, interruptedGlobalAdministrator, unprovenWarning } from "./lib/origin-ledger";
import { plainTextCredentialKeys, runtimeConfigIsSecret } from "./lib/plain-credentials";
import { preflight, PreflightError, TenantReader } from "./lib/preflight";
import { environmentsInState, grantsInState, previousStage, PreviousState, readPreviousState } from "./lib/previous-state";
import { describeSkipped } from "./lib/environment-plan";
import { engineParallel, parallelAdvice } from "./lib/parallelism";
import { stateCompressionAdvice } from "./lib/state-compression";
import { runError } from "./lib/run-error";
import { ServiceAccountAccess } from "./lib/service-account-access";
import { readStackSettings } from "./lib/stack-settings";
import { planStage, Stage } from "./lib/stages";
import {
    checkOperatorSignIn,
    ClientContext,
    ClientSettings,
    createClientContext,
    customEndpointsNotice,
    getLicenseDetails,
    isAccessError,
    isGroupMember,
    listActiveRoleSchedules,
    listDirectoryRoleAssignments,
    listEnvironments,
    messageOf,
    operatorObjectId,
    readEnvironment,
    readOnlySettings,
    summarizeDynamicsLicenses,
} from "./providers";

/**
 * The operator's clients (the same identity as the azuread provider: azuread:* config
 * and ARM_* variables), signed in: a wrong secret or an unreachable endpoint is
 * reported as such here, before the account is looked up. During any preview they
 * are read-only (GET requests only), whatever the environment says.
 */
async function operatorClients(settings: ClientSettings): Promise<ClientContext> {
    const clientSettings = pulumi.runtime.isDryRun() ? readOnlySettings(settings) : settings;
    const context = await createClientContext(clientSettings, { log: (message) => pulumi.log.info(message) });
    const custom = customEndpointsNotice(context);
    if (custom) pulumi.log.warn(custom);
    await checkOperatorSignIn(context);
    return context;
}

async function resolveServiceAccount(account: ServiceAccountRef): Promise<string> {
    try {
        const user = await azuread.getUser(account.kind === "objectId" ? { objectId: account.objectId } : { userPrincipalName: account.userPrincipalName });
        return user.objectId;
    } catch (error) {
        // The operator's sign-in already worked (operatorClients): this is about the account.
        throw new pulumi.RunError(
            `${NAMESPACE}:serviceAccount: ${describeServiceAccount(account)} could not be resolved in the tenant ` +
                `(${messageOf(error)}); check the user principal name or object id, ` +
                `and that azuread:tenantId (or ARM_TENANT_ID) names this customer's tenant.`,
        );
    }
}

/**
 * The tenant as preflight reads it. The environments are listed from the start, while the
 * account is looked up (its lookup starts the azuread plugin): the listing is one page
 * after another, 20 of them at 1,000 environments.
 */
function tenantReader(context: ClientContext): TenantReader {
    const environments = listEnvironments(context);
    // Preflight awaits it and reports its failure; a run that fails before that leaves it unread.
    environments.catch(() => undefined);
    return {
        listEnvironments: () => environments,
        readEnvironment: (environmentId) => readEnvironment(context, environmentId),
        licenseDetails: (userObjectId) => getLicenseDetails(context, userObjectId),
        summarizeLicenses: summarizeDynamicsLicenses,
        directoryRoleAssignments: (principalId) => listDirectoryRoleAssignments(context, principalId),
        isGroupMember: (groupId, memberId) => isGroupMember(context, groupId, memberId),
        activeRoleSchedules: (principalId) => listActiveRoleSchedules(context, principalId),
        operatorObjectId: () => operatorObjectId(context),
    };
}

/** This stack's last checkpoint (lib/previous-state.ts), read before anything is registered. */
function previousState(): Promise<PreviousState> {
    const stackName = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    return readPreviousState((token, args) => pulumi.runtime.invoke(token, args), stackName);
}

async function main() {
    // The program's keys and the Power Platform clients' keys, checked in one pass and read once.
    const { config, clientSettings } = readStackSettings(pulumi.runtime.allConfig(), process.env);
    // Read while the operator signs in and the account is looked up: the engine reads the
    // whole state to answer (0.6 s at 1,000 environments). Only preflight needs it.
    const previousRead = previousState();
    previousRead.catch(() => undefined); // awaited below, once the sign-in and the account are known to work
    const context = await operatorClients(clientSettings);
    const tenant = tenantReader(context);
    const serviceAccountObjectId = await resolveServiceAccount(config.serviceAccount);
    const previous = await previousRead;
    const report = await preflight(
        config,
        serviceAccountObjectId,
        tenant,
        (message) => pulumi.log.info(message),
        grantsInState(previous),
        environmentsInState(previous),
    );
    report.warnings.forEach((warning) => pulumi.log.warn(warning));
    describeSkipped(report.environments.skipped).forEach((line) => pulumi.log.info(line));
    for (const target of report.environments.targets.filter((t) => t.note)) pulumi.log.info(`${target.displayName} (${target.id}): ${target.note}.`);
    const hint = continueOnErrorHint(report.environments.targets.length, previousStage(previous), config.stage);
    if (hint) pulumi.log.info(hint);
    // In the preview only, so `pulumi up` says it once: the program cannot change the engine's parallelism, only name it.
    const parallel = pulumi.runtime.isDryRun() ? parallelAdvice(report.environments.targets.length, engineParallel(process.env)) : undefined;
    if (parallel) pulumi.log.warn(parallel);
    // Likewise the state's compression: a variable of the CLI, which the program only sees (the language host inherits it).
    const compression = pulumi.runtime.isDryRun() ? stateCompressionAdvice(report.environments.targets.length, process.env) : undefined;
    if (compression) pulumi.log.warn(compression);

    const plainCredentials = plainTextCredentialKeys(pulumi.runtime.allConfig(), runtimeConfigIsSecret());
    for (const key of plainCredentials) {
        pulumi.log.warn(
            `${key} is stored in plain text in Pulumi.${pulumi.getStack()}.yaml; set it with \`pulumi config set --secret ${key}\` and rotate it if the file was shared.`,
        );
    }
    const plan = planStage(config.stage, config.elevation !== undefined);
    const interrupted = interruptedGlobalAdministrator(
        previous,
        plan.directoryRoles.includes(GLOBAL_ADMINISTRATOR) && !plan.timeBoundRoles.includes(GLOBAL_ADMINISTRATOR),
        report.existing,
        describeServiceAccount(config.serviceAccount),
        pulumi.getStack(),
    );
    if (interrupted) throw runError(interrupted);
    const origins = decideOrigins({
        previous,
        directoryRoles: plan.directoryRoles.filter((role) => !plan.timeBoundRoles.includes(role)),
        groupIds: [
            ...new Set(
                [...report.environments.targets, ...report.environments.held].map((target) => target.securityGroupId).filter((id): id is string => !!id),
            ),
        ],
        environmentIds: report.environments.targets.map((target) => target.id),
        existing: report.existing,
    });
    pulumi.log.info(describeGiveBack(origins, previous, plan.timeBoundRoles));
    const unproven = unprovenWarning(origins.unproven);
    if (unproven) pulumi.log.warn(unproven);
    const stack = pulumi.getStack();
    const access = new ServiceAccountAccess("backup-service-account", {
        serviceAccountObjectId,
        plan,
        environments: report.environments.targets,
        heldEnvironments: report.environments.held,
        existing: report.existing,
        origins,
        plainTextCredentialKeys: plainCredentials,
        elevation: config.elevation && {
            hours: config.elevation.hours,
            justification: config.elevation.justification ?? defaultJustification(config.stage, stack),
        },
    });

    const stepsContext = { stack, serviceAccount: describeServiceAccount(config.serviceAccount) };
    const [elevation] = access.elevations;
    return {
        stage: config.stage,
        serviceAccountObjectId,
        directoryRoles: plan.directoryRoles.map((role) => role.displayName),
        globalAdministratorUntil: elevation ? elevation.endDateTime : null,
        environments: access.environments,
        skippedEnvironments: report.environments.skipped,
        nextSteps: elevation
            ? pulumi
                  .all([elevation.endDateTime, elevation.status])
                  .apply(([endDateTime, status]) => nextSteps(config.stage, { ...stepsContext, elevation: { endDateTime, status, now: Date.now() } }))
            : nextSteps(config.stage, stepsContext),
    };
}

/**
 * What to pass so one refusing environment does not stop the others — except across a
 * stage move, where the engine would still remove what the new stage drops after a
 * refused grant. The program cannot see the CLI's flags; PULUMI_CONTINUE_ON_ERROR it can.
 */
function continueOnErrorHint(targets: number, applied: string | undefined, stage: Stage): string | undefined {
    if (applied && applied !== stage) {
        return (
            `This update moves the stage from ${applied} to ${stage}: run it without --continue-on-error, so that a refused grant stops it ` +
            `before anything the new stage drops is removed.`
        );
    }
    if (targets < 2 || process.env.PULUMI_CONTINUE_ON_ERROR === "true") return undefined;
    return (
        `${targets} environments to serve: run \`pulumi up --continue-on-error\` (or set PULUMI_CONTINUE_ON_ERROR=true) so that one environment ` +
        `refusing the account does not stop the others; the update then fails naming each one that did not converge.`
    );
}

/** The reason PIM records when the operator gives none: the stage and the stack. */
function defaultJustification(stage: Stage, stack: string): string {
    const purpose = stage === "reauth" ? "Re-authenticate" : "Create";
    return `${purpose} the Dynamics 365 backup connector (d365-backup-access, stage ${stage}, stack ${stack}).`;
}

/** Known failures end the run with their message alone, without a stack trace (lib/run-error.ts says why without frames too). */
function withoutStackTrace(error: unknown): never {
    if (error instanceof ConfigError || error instanceof PreflightError || isAccessError(error)) {
        throw runError(error.message);
    }
    throw error;
}

export = () => main().catch(withoutStackTrace);
