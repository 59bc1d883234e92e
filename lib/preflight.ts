// Checks made against the tenant before any resource is registered, so a preview
// already fails on what would fail the update: first that the operator would not
// demote itself (neither as the account nor through grants the state holds for it),
// then the environments to back up (unknown ids, kinds and states that cannot be served,
// environments deleted since the last update: environment-plan.ts) and the account's
// Dynamics licence. Every problem is reported in one message. It also finds the access the account already holds (directory roles,
// security-group memberships), which the program adopts instead of creating again:
// Graph refuses a second identical role assignment or membership. The tenant is read
// through an injected reader, so this stays testable.

import { isPimLicenceError, PIM_LICENCE_FIX } from "../providers";
import type { ActiveRoleSchedule, DirectoryRoleAssignmentInfo, EnvironmentInfo, LicenseDetail } from "../providers";
import { describeServiceAccount, NAMESPACE, ProgramConfig } from "./config";
import {
    EnvironmentPlan,
    EnvironmentResourcesInState,
    EnvironmentSelectionError,
    planEnvironments,
    ServedEnvironments,
    skippedByReasonCode,
} from "./environment-plan";
import { normalizeId } from "./ids";
import { StateGrant } from "./previous-state";
import { planStage } from "./stages";

export interface TenantReader {
    /** Every Power Platform environment of the tenant (all pages). */
    listEnvironments(): Promise<EnvironmentInfo[]>;
    /** One environment asked for by id; undefined when BAP answers 404 (deleted). */
    readEnvironment(environmentId: string): Promise<EnvironmentInfo | undefined>;
    /** The account's licences, by its Entra object id. */
    licenseDetails(userObjectId: string): Promise<LicenseDetail[]>;
    /** Which assigned licences give Dynamics 365 now, and which are still provisioning. */
    summarizeLicenses(details: readonly LicenseDetail[]): { licensedSkus: string[]; pendingSkus: string[] };
    /** The account's active directory role assignments. */
    directoryRoleAssignments(principalId: string): Promise<DirectoryRoleAssignmentInfo[]>;
    /** Whether the account is already a direct member of the group. */
    isGroupMember(groupId: string, memberId: string): Promise<boolean>;
    /** The account's active assignments as Entra PIM sees them (needs Entra ID P2). */
    activeRoleSchedules(principalId: string): Promise<ActiveRoleSchedule[]>;
    /** The object id of the identity the program signs in as (its Graph token's oid claim); undefined when the token has none. */
    operatorObjectId(): Promise<string | undefined>;
}

/** Access the account holds already, to adopt rather than create. */
export interface ExistingAccess {
    /** Tenant-wide assignment id by role template id. */
    readonly roleAssignmentIds: Readonly<Record<string, string>>;
    /** Security groups (lower-case ids) the account is already a direct member of. */
    readonly groupMemberships: readonly string[];
}

export interface PreflightReport {
    readonly environments: EnvironmentPlan;
    /** Dynamics SKUs the account holds (empty when unlicensed and the check is only a warning). */
    readonly dynamicsLicenses: readonly string[];
    readonly warnings: readonly string[];
    readonly existing: ExistingAccess;
}

export class PreflightError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`The tenant is not ready; nothing was changed:\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "PreflightError";
    }
}

const ACCEPTED_LICENCES =
    "a Dynamics 365 licence such as DYN365_ENTERPRISE_PLAN1, DYN365_ENTERPRISE_SALES, DYN365_ENTERPRISE_CUSTOMER_SERVICE or D365_SALES_PRO";

function licenceProblem(account: string, pendingSkus: readonly string[]): string {
    if (pendingSkus.length > 0) {
        return (
            `${account} has ${pendingSkus.join(", ")} assigned, but its Dynamics 365 service plans are not provisioned yet; ` +
            `licence assignment is asynchronous, so wait a few minutes and run again.`
        );
    }
    return (
        `${account} has no Dynamics 365 licence; assign it ${ACCEPTED_LICENCES} in the Microsoft 365 admin center, ` +
        `or set ${NAMESPACE}:requireDynamicsLicense to false to make this a warning.`
    );
}

export async function preflight(
    config: ProgramConfig,
    serviceAccountObjectId: string,
    tenant: TenantReader,
    log: (message: string) => void,
    /** The grants the stack's state holds (previous-state.ts): the operator's own ones must not be deleted. */
    stateGrants: readonly StateGrant[] = [],
    /** The environments the stack's state serves (previous-state.ts environmentsInState). */
    environmentsInState: ReadonlyMap<string, EnvironmentResourcesInState> = new Map(),
): Promise<PreflightReport> {
    const account = describeServiceAccount(config.serviceAccount);
    // First, and alone: nothing else matters if the operator would demote itself.
    checkOperatorKeepsItsAccess(account, serviceAccountObjectId, await tenant.operatorObjectId(), stateGrants);

    const timeBoundRoles = planStage(config.stage, config.elevation !== undefined).timeBoundRoles;
    const [environments, licences, assignments, schedules] = await Promise.all([
        tenant.listEnvironments(),
        tenant.licenseDetails(serviceAccountObjectId),
        tenant.directoryRoleAssignments(serviceAccountObjectId),
        timeBoundRoles.length ? readSchedules(tenant, serviceAccountObjectId) : Promise.resolve(undefined),
    ]);

    const problems: string[] = [];
    const warnings: string[] = [];

    if (schedules === "no-licence") {
        problems.push(
            `${NAMESPACE}:elevationHours is set, but the tenant has no Microsoft Entra ID P2 (Graph answered AadPremiumLicenseRequired): ${PIM_LICENCE_FIX}`,
        );
    } else if (schedules) {
        for (const role of timeBoundRoles) {
            const held = schedules.find((s) => s.roleDefinitionId === role.templateId && s.directoryScopeId === "/");
            if (held && !held.endDateTime) {
                warnings.push(
                    `${account} holds ${role.displayName} permanently; the update makes it end in ${config.elevation!.hours} h (PIM adminUpdate). ` +
                        `If this stack granted it before ${NAMESPACE}:elevationHours was set, that permanent assignment is deleted at the end of the update ` +
                        `and ${role.displayName} ends at once: to keep it, move the stack to operational first, then back.`,
                );
            }
        }
    }

    const served = await servedEnvironments(tenant, environments, environmentsInState);
    let plan: EnvironmentPlan = { targets: [], skipped: [], held: [] };
    try {
        plan = planEnvironments(config.environments, [...environments, ...served.unlisted], served);
    } catch (error) {
        if (!(error instanceof EnvironmentSelectionError)) throw error;
        problems.push(...error.problems);
    }

    const { licensedSkus, pendingSkus } = tenant.summarizeLicenses(licences);
    if (licensedSkus.length === 0) {
        const problem = licenceProblem(account, pendingSkus);
        if (config.requireDynamicsLicense) problems.push(problem);
        else warnings.push(problem);
    }

    if (problems.length > 0) throw new PreflightError(problems);
    if (plan.targets.length === 0) {
        warnings.push(
            `No environment with Dataverse was found to back up; check ${NAMESPACE}:environments and that azuread:tenantId is this customer's tenant.`,
        );
    }

    const groups = [...new Set([...plan.targets, ...plan.held].map((target) => target.securityGroupId).filter((id): id is string => !!id))];
    const memberships = await Promise.all(groups.map((group) => tenant.isGroupMember(group, serviceAccountObjectId)));
    const existing: ExistingAccess = {
        roleAssignmentIds: Object.fromEntries(assignments.filter((a) => a.directoryScopeId === "/").map((a) => [a.roleDefinitionId.toLowerCase(), a.id])),
        groupMemberships: groups.filter((_, index) => memberships[index]),
    };

    log(
        `${environments.length} environment(s) in the tenant; ${plan.targets.length} to back up` +
            (plan.skipped.length ? `, ${plan.skipped.length} skipped (${skippedByReasonCode(plan.skipped)})` : "") +
            (licensedSkus.length ? `; ${account} is licensed (${licensedSkus.join(", ")}).` : "."),
    );
    return { environments: plan, dynamicsLicenses: licensedSkus, warnings, existing };
}

/**
 * The environments the state serves that the listing lacks, asked for one by one: an
 * answer means the listing missed it (served as any other), a 404 that it was deleted.
 * A listing is never enough to give anything back.
 */
async function servedEnvironments(
    tenant: TenantReader,
    listed: readonly EnvironmentInfo[],
    inState: ReadonlyMap<string, EnvironmentResourcesInState>,
): Promise<ServedEnvironments & { unlisted: EnvironmentInfo[] }> {
    const listedIds = new Set(listed.map((environment) => normalizeId(environment.id)));
    const missing = [...inState.keys()].filter((id) => !listedIds.has(id));
    const answers = await Promise.all(missing.map((id) => tenant.readEnvironment(id)));
    return {
        inState,
        deleted: missing.filter((_, index) => !answers[index]),
        unlisted: answers.filter((answer): answer is EnvironmentInfo => !!answer),
    };
}

/**
 * The operator must never demote itself: not by being the configured account (the
 * stages remove directory roles from it), and not by the configured account changing
 * away from it (the update would delete every grant the state holds for the old
 * account: the operator's own roles). Without the operator's object id neither can be
 * checked, so that is an error too, never a skipped check.
 */
export function checkOperatorKeepsItsAccess(
    account: string,
    serviceAccountObjectId: string,
    operatorObjectId: string | undefined,
    stateGrants: readonly StateGrant[],
): void {
    if (!operatorObjectId) {
        throw new PreflightError([
            `The operator's Microsoft Graph token has no oid (object id) claim, so the program cannot check that it is not about to change ` +
                `the operator's own access (${NAMESPACE}:serviceAccount is ${account}). Sign in as an identity whose tokens carry it: ` +
                `an app registration's service principal (azuread:clientId with a secret, certificate or OIDC) or a work account of this tenant ` +
                `(a personal Microsoft account or a guest's token from another tenant does not name an object here).`,
        ]);
    }
    const operator = operatorObjectId.toLowerCase();
    if (operator === serviceAccountObjectId.toLowerCase()) {
        throw new PreflightError([
            `${NAMESPACE}:serviceAccount: ${account} is the operator's own identity (object id ${operator}, the identity this program signs in as); ` +
                `the stages remove directory roles from the service account, so the operator would demote itself. ` +
                `Use a dedicated backup account, and sign in as another administrator or an app registration (azuread:clientId).`,
        ]);
    }
    const own = stateGrants.filter((grant) => grant.principalId === operator);
    if (own.length) {
        throw new PreflightError([
            `The stack's state holds ${own.length} grant(s) to the operator's own identity (object id ${operator}, the identity this program signs in as): ` +
                `${own.map((grant) => grant.urn.slice(grant.urn.lastIndexOf("::") + 2)).join(", ")}. ` +
                `${NAMESPACE}:serviceAccount is now ${account}, so this update would delete them and the operator would demote itself. ` +
                `Either set ${NAMESPACE}:serviceAccount back and sign in as another administrator or an app registration (azuread:clientId), ` +
                `or make the stack forget them without touching the tenant (\`pulumi state delete <urn>\` for each) before changing the account.`,
        ]);
    }
}

/** The account's PIM view, or "no-licence" when the tenant has no Entra ID P2. */
async function readSchedules(tenant: TenantReader, principalId: string): Promise<ActiveRoleSchedule[] | "no-licence"> {
    try {
        return await tenant.activeRoleSchedules(principalId);
    } catch (error) {
        if (isPimLicenceError(error)) return "no-licence";
        throw error;
    }
}
