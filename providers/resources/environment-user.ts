// EnvironmentUser: the backup account as a user of one Power Platform environment's
// Dataverse, with the access mode the backup product needs.
//
// Type pulumi-nodejs:dynamic/powerplatform:EnvironmentUser
//
//   check   validates ids and the access mode (read-write by default)
//   diff    replace when the environment or the user changes; update when the access
//           mode differs or a refresh found the user disabled
//   create  BAP: the environment must be one that can be served now (clients/environment-kinds.ts),
//           else an error at once; Dataverse: adopt the user if it is
//           there and enabled; otherwise BAP addUser (waiting out a licence or a group
//           membership still propagating; a refusal that belongs to the environment —
//           a Developer environment of someone else, Teams, disabled — fails at once),
//           then wait for the user to appear enabled; then PATCH the access mode if it differs
//   read    what is there now: no id when the environment (BAP 404) or the user is gone;
//           the stored state as it is where the environment cannot be served now
//   update  the same as create, for the same user
//   delete  nothing: Dataverse users are disabled by Microsoft, never deleted, and
//           removing access is the role assignment's job. The user stays in place.
//
// Every wait is bounded by configuration (userSyncTimeoutSeconds,
// licenseWaitTimeoutSeconds): the engine does not apply customTimeouts to dynamic
// resources.

import * as pulumi from "@pulumi/pulumi";

import { addUser, DataverseTarget, EnvironmentInfo } from "../clients/bap";
import { ACCESS_MODES, AccessModeName, accessModeName, disabledUserFix, findSystemUser, setAccessMode, SystemUser } from "../clients/dataverse";
import { environmentStanding, inEnvironment, inServableEnvironment, keptStateNote, servableEnvironment } from "../clients/environment-access";
import { EnvironmentOperation } from "../clients/environment-kinds";
import { HostedResource, hostedProvider, isLegacyProviderText } from "../hosting/hosted-provider";
import { changedProperties, CheckFailure, checkEnvironmentId, checkGuid, definedOnly, keptOutputs, UNKNOWN } from "../hosting/inputs";
import { ProviderKey } from "../hosting/provider-runtime";
import { ClientContext } from "../transport/context";
import { formatSeconds } from "../transport/durations";
import { accessError } from "../transport/errors";
import { waitFor } from "../transport/polling";

export const ENVIRONMENT_USER_MODULE = "powerplatform";
export const ENVIRONMENT_USER_TYPE = "EnvironmentUser" as const;
export const DEFAULT_ACCESS_MODE: AccessModeName = "read-write";

export interface EnvironmentUserInputs {
    readonly environmentId: string;
    readonly userObjectId: string;
    readonly accessMode: AccessModeName;
}

export interface EnvironmentUserOutputs extends EnvironmentUserInputs {
    readonly systemUserId: string;
    readonly businessUnitId: string;
    readonly instanceUrl: string;
    readonly environmentName: string;
    /** False when a refresh found the user disabled; the next update re-syncs it. */
    readonly enabled: boolean;
}

const REPLACE_ON = ["environmentId", "userObjectId"] as const;

/** The user needs an update in place: another access mode, or a refresh found it disabled. */
function needsConverge(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
    return changedProperties(olds, news, ["accessMode"]).length > 0 || olds.enabled === false;
}

/** The access mode input: read-write when absent; a failure (and the default) when it names no mode. */
export function checkAccessMode(news: Record<string, unknown>, failures: CheckFailure[]): unknown {
    const accessMode = news.accessMode ?? DEFAULT_ACCESS_MODE;
    if (accessMode === UNKNOWN || (typeof accessMode === "string" && accessMode in ACCESS_MODES)) return accessMode;
    failures.push({
        property: "accessMode",
        reason: `accessMode must be one of ${Object.keys(ACCESS_MODES).join(", ")}; got ${JSON.stringify(accessMode)}.`,
    });
    return DEFAULT_ACCESS_MODE;
}

function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const environmentId = checkEnvironmentId(news, failures);
    const userObjectId = checkGuid(news, "userObjectId", failures, "the account's Entra object id");
    const accessMode = checkAccessMode(news, failures);
    return {
        inputs: definedOnly({ environmentId: environmentId ?? news.environmentId, userObjectId: userObjectId ?? news.userObjectId, accessMode }),
        failures,
    };
}

function outputsFor(inputs: EnvironmentUserInputs, environment: EnvironmentInfo, target: DataverseTarget, user: SystemUser): EnvironmentUserOutputs {
    return {
        environmentId: inputs.environmentId,
        userObjectId: inputs.userObjectId,
        accessMode: accessModeName(user.accessMode) as AccessModeName,
        systemUserId: user.systemUserId,
        businessUnitId: user.businessUnitId,
        instanceUrl: target.instanceUrl,
        environmentName: environment.displayName,
        enabled: !user.isDisabled,
    };
}

/**
 * Adds the user through BAP, waiting while Power Platform refuses it for reasons time
 * cures: the licence has not arrived, or the group membership has not.
 */
async function addUserWhenAccepted(ctx: ClientContext, environment: EnvironmentInfo, userObjectId: string): Promise<void> {
    const waits = ctx.settings.waits;
    let lastRefusal: "not-licensed" | "security-group" = "not-licensed";
    await waitFor(
        {
            what: `Power Platform to accept the account ${userObjectId} (addUser)`,
            environmentId: environment.id,
            timeoutMs: waits.licenseWaitTimeoutMs,
            initialIntervalMs: waits.pollIntervalMs,
            maxIntervalMs: waits.pollMaxIntervalMs,
            log: ctx.log,
            onTimeout: (reason, waitedMs) =>
                lastRefusal === "not-licensed"
                    ? accessError("licence", {
                          what: `Power Platform still reports the account ${userObjectId} as not licensed in this environment after ${formatSeconds(waitedMs)}: ${reason}`,
                          environmentId: environment.id,
                          environmentName: environment.displayName,
                          call: "BAP addUser",
                          code: "userNotLicensed",
                          fix:
                              "assign the account a Dynamics 365 licence (e.g. Dynamics 365 Sales or Customer Service Enterprise, " +
                              "or Team Members) in the Microsoft 365 admin center; a new licence takes minutes to reach Power Platform. " +
                              "Then run `pulumi up` again, or raise d365-backup-access:licenseWaitTimeoutSeconds.",
                      })
                    : accessError("security-group", {
                          what:
                              `Power Platform refuses the account ${userObjectId} because it is not a member of the environment's ` +
                              `security group ${environment.securityGroupId ?? "(unknown)"}, still after ${formatSeconds(waitedMs)}: ${reason}`,
                          environmentId: environment.id,
                          environmentName: environment.displayName,
                          call: "BAP addUser",
                          fix:
                              "make the account a member of that Entra group (the program does this with an azuread GroupMember " +
                              "before adding the user); membership takes minutes to reach Power Platform. Run `pulumi up` again, " +
                              "or raise d365-backup-access:licenseWaitTimeoutSeconds.",
                      }),
        },
        async () => {
            const outcome = await addUser(ctx, environment, userObjectId);
            if (outcome.added) return { done: true as const, value: undefined };
            lastRefusal = outcome.reason;
            return { done: false as const, reason: outcome.message || outcome.reason };
        },
    );
}

async function waitForEnabledUser(ctx: ClientContext, target: DataverseTarget, userObjectId: string): Promise<SystemUser> {
    const waits = ctx.settings.waits;
    let lastSeen: SystemUser | undefined;
    return waitFor(
        {
            what: `the account's Dataverse user to appear`,
            environmentId: target.environmentId,
            timeoutMs: waits.userSyncTimeoutMs,
            initialIntervalMs: waits.pollIntervalMs,
            maxIntervalMs: waits.pollMaxIntervalMs,
            // Power Platform has just accepted the user: it cannot be in Dataverse yet.
            firstProbeAfterInterval: true,
            log: ctx.log,
            onTimeout: (reason, waitedMs) =>
                lastSeen?.isDisabled
                    ? accessError("disabled-user", {
                          what: `The account's Dataverse user ${lastSeen.systemUserId} is still disabled ${formatSeconds(waitedMs)} after adding it`,
                          environmentId: target.environmentId,
                          fix: disabledUserFix(),
                      })
                    : accessError("wait-timeout", {
                          what: `Power Platform accepted the account ${userObjectId}, but its Dataverse user did not appear within ${formatSeconds(waitedMs)} (${reason})`,
                          environmentId: target.environmentId,
                          fix: "run `pulumi up` again (the sync may just be slow), or raise d365-backup-access:userSyncTimeoutSeconds.",
                      }),
        },
        async () => {
            const user = await findSystemUser(ctx, target, userObjectId);
            lastSeen = user;
            if (!user) return { done: false as const, reason: "not synced yet" };
            if (user.isDisabled) return { done: false as const, reason: "synced but disabled" };
            return { done: true as const, value: user };
        },
    );
}

/**
 * Makes sure the user exists, is enabled and has the access mode; adopts what is already
 * right. An environment that cannot be served is an error before anything is sent to it.
 */
export async function ensureEnvironmentUser(
    ctx: ClientContext,
    inputs: EnvironmentUserInputs,
    operation: EnvironmentOperation = "create",
): Promise<EnvironmentUserOutputs> {
    const served = await servableEnvironment(ctx, inputs.environmentId, operation);
    const { environment, target } = served;
    return inServableEnvironment(ctx, served, operation, async () => {
        let user = await findSystemUser(ctx, target, inputs.userObjectId);
        if (user && !user.isDisabled) {
            ctx.log(`Environment ${environment.id}: the account is already a Dataverse user (${user.systemUserId}); adopting it.`);
        } else {
            await addUserWhenAccepted(ctx, environment, inputs.userObjectId);
            user = await waitForEnabledUser(ctx, target, inputs.userObjectId);
        }
        const wanted = ACCESS_MODES[inputs.accessMode];
        if (user.accessMode !== wanted) {
            await setAccessMode(ctx, target, user.systemUserId, wanted);
            user = { ...user, accessMode: wanted };
        }
        return outputsFor(inputs, environment, target, user);
    });
}

/**
 * What is there now; undefined when the environment (BAP 404) or the user is gone. An
 * environment BAP lists but that cannot be served now (disabled, not ready, Teams, …)
 * keeps the stored state as it is: nothing there can be observed, and the resource must
 * not leave the stack for it (the next update would add the user again).
 */
export async function readEnvironmentUser(ctx: ClientContext, props: EnvironmentUserOutputs): Promise<EnvironmentUserOutputs | undefined> {
    const standing = await environmentStanding(ctx, props.environmentId);
    if (standing.standing === "deleted") return undefined;
    if (standing.standing === "unservable") {
        ctx.log(keptStateNote(standing.environment, standing.condition, "The account's Dataverse user"));
        return props;
    }
    const { environment, target } = standing;
    const read = await inEnvironment(ctx, standing, () => findSystemUser(ctx, target, props.userObjectId));
    if (read.standing === "deleted") return undefined;
    if (read.standing === "unservable") {
        ctx.log(keptStateNote(read.environment, read.condition, "The account's Dataverse user"));
        return props;
    }
    return read.value ? outputsFor(props, environment, target, read.value) : undefined;
}

function toInputs(values: Record<string, unknown>): EnvironmentUserInputs {
    return {
        environmentId: String(values.environmentId),
        userObjectId: String(values.userObjectId),
        accessMode: (values.accessMode as AccessModeName | undefined) ?? DEFAULT_ACCESS_MODE,
    };
}

export function environmentUserProvider(key: ProviderKey = {}): pulumi.dynamic.ResourceProvider {
    return hostedProvider(key, {
        check: checkInputs,
        diff(olds, news) {
            const replaces = changedProperties(olds, news, REPLACE_ON);
            const changes = replaces.length > 0 || needsConverge(olds, news) || isLegacyProviderText(olds.__provider);
            return { changes, replaces, deleteBeforeReplace: false };
        },
        async create(context, inputs) {
            const outs = await ensureEnvironmentUser(await context(), toInputs(inputs));
            return { id: `${outs.environmentId}/${outs.systemUserId}`, outs };
        },
        async read(context, id, props) {
            const current = await readEnvironmentUser(await context(), props as unknown as EnvironmentUserOutputs);
            return current ? { id, props: { ...current } } : {};
        },
        async update(context, olds, news) {
            // Only the stored provider changed (a stack upgraded from an earlier version): nothing to call.
            if (!needsConverge(olds, news)) return { outs: keptOutputs(olds) };
            return { outs: await ensureEnvironmentUser(await context(), toInputs(news), "update") };
        },
        async delete(_context, props) {
            // Deliberately no API call: see the header comment.
            console.log(
                `Environment ${String(props.environmentId)}: the account's Dataverse user ${String(props.systemUserId)} stays in place ` +
                    `(Dataverse users are not deleted); its security role is removed with the role assignment.`,
            );
        },
    });
}

export interface EnvironmentUserArgs {
    readonly environmentId: pulumi.Input<string>;
    readonly userObjectId: pulumi.Input<string>;
    /** Defaults to read-write, which backup products require. */
    readonly accessMode?: pulumi.Input<AccessModeName>;
}

/**
 * The resource as a program sees it. Every output is in state; the class exposes the
 * inputs and those a program uses: each exposed property costs the Pulumi SDK a
 * promise and a captured stack trace per resource, which adds up at hundreds of
 * environments.
 */
export class EnvironmentUser extends HostedResource {
    declare public readonly environmentId: pulumi.Output<string>;
    declare public readonly userObjectId: pulumi.Output<string>;
    declare public readonly accessMode: pulumi.Output<AccessModeName>;
    declare public readonly systemUserId: pulumi.Output<string>;

    constructor(name: string, args: EnvironmentUserArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            ENVIRONMENT_USER_MODULE,
            ENVIRONMENT_USER_TYPE,
            name,
            {
                environmentId: args.environmentId,
                userObjectId: args.userObjectId,
                accessMode: args.accessMode ?? DEFAULT_ACCESS_MODE,
                systemUserId: undefined,
            },
            opts,
        );
    }
}
