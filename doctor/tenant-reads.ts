// Everything the doctor reads from a tenant, with the operator's own identity and the
// program's own clients: sign-in, the Graph token's claims, the operator's directory
// roles, the account and its licences, the environments, group memberships, each
// environment's Dataverse as the operator sees it, PIM when time-bound elevation is
// configured, and Global Administrator the account holds through a group or as a PIM
// eligibility (which the program does not manage). Read-only by construction: every call is a GET (plus the sign-in's token
// requests), and the context is built with addOperatorAppUser off, so a Dataverse
// refusal is reported instead of being cured with Power Platform addAppUser.

import { EnvironmentPlan, planEnvironments } from "../lib/environment-plan";
import { describeServiceAccount, ProgramConfig } from "../lib/config";
import {
    checkOperatorSignIn,
    ClientContext,
    ClientContextOptions,
    ClientSettings,
    createClientContext,
    DirectoryRoleAssignmentInfo,
    DirectoryUser,
    EnvironmentInfo,
    findSystemUserWithRoles,
    getLicenseDetails,
    identifyOperator,
    isGroupMember,
    LicenseDetail,
    listDirectoryRoleAssignments,
    listEnvironments,
    readDirectoryUser,
    readOnlySettings,
    readRoleHeldElsewhere,
    RoleHeldElsewhere,
    SystemUserWithRoles,
    tokenClaims,
} from "../providers";
import { GLOBAL_ADMINISTRATOR } from "../lib/directory-roles";
import { Attempt, attempt } from "./check-result";
import { PimAvailability, probePim } from "./probes";

export interface OperatorIdentity {
    readonly kind: "application" | "user";
    readonly clientId: string | undefined;
    readonly objectId: string;
    /** The Graph token's roles claim (application permissions); undefined for a signed-in user. */
    readonly grantedPermissions: readonly string[] | undefined;
}

export interface DataverseAccess {
    readonly environment: { readonly id: string; readonly displayName: string };
    /** The operator's own Dataverse user with its roles; undefined when Dataverse answers but has no such user. */
    readonly access: Attempt<SystemUserWithRoles | undefined>;
}

export interface TenantSnapshot {
    readonly signIn: Attempt<OperatorIdentity>;
    readonly operatorRoles?: Attempt<DirectoryRoleAssignmentInfo[]>;
    readonly account?: Attempt<DirectoryUser | undefined>;
    readonly licences?: Attempt<LicenseDetail[]>;
    /** Global Administrator held by the account through a role-assignable group or eligible in PIM. */
    readonly unmanagedGlobalAdministrator?: Attempt<RoleHeldElsewhere>;
    readonly environments?: Attempt<EnvironmentInfo[]>;
    readonly plan?: Attempt<EnvironmentPlan>;
    /** Per security group restricting an environment to back up: whether the account is a member. */
    readonly memberships?: ReadonlyMap<string, Attempt<boolean>>;
    readonly dataverse?: readonly DataverseAccess[];
    /** Only when time-bound elevation is configured. */
    readonly pim?: Attempt<PimAvailability>;
}

export interface ReadOptions extends ClientContextOptions {
    /** Whether d365-backup-access:elevationHours is set (PIM is then read too). */
    readonly elevation: boolean;
}

async function signIn(settings: ClientSettings, options: ClientContextOptions): Promise<{ ctx: ClientContext; operator: OperatorIdentity }> {
    // Read-only by construction: GET requests only (the HTTP layer refuses anything else).
    const ctx = await createClientContext(readOnlySettings(settings), options);
    await checkOperatorSignIn(ctx);
    const claims = tokenClaims(await ctx.tokens.get(ctx.endpoints.graphAudience)) ?? {};
    const identity = await identifyOperator(ctx, ctx.endpoints.graphAudience);
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [];
    return {
        ctx,
        operator: {
            kind: identity.kind,
            clientId: identity.applicationId,
            objectId: String(claims.oid ?? "").toLowerCase(),
            grantedPermissions: identity.kind === "application" ? roles : undefined,
        },
    };
}

export async function readTenant(config: ProgramConfig, settings: ClientSettings, options: ReadOptions): Promise<TenantSnapshot> {
    const signedIn = await attempt(() => signIn(settings, { log: options.log ?? (() => undefined), credential: options.credential }));
    if (!signedIn.ok) return { signIn: signedIn };
    const { ctx, operator } = signedIn.value;

    const [operatorRoles, account, environments, pim] = await Promise.all([
        attempt(async () => {
            // A token without an object id (not a JWT) would make this ask about nobody.
            if (!operator.objectId) throw new Error("the operator's Graph token names no object id (oid), so its directory roles cannot be looked up");
            return listDirectoryRoleAssignments(ctx, operator.objectId);
        }),
        attempt(() => readDirectoryUser(ctx, describeServiceAccount(config.serviceAccount))),
        attempt(() => listEnvironments(ctx)),
        options.elevation ? attempt(() => probePim(ctx, operator.objectId)) : Promise.resolve(undefined),
    ]);
    const accountId = account.ok ? account.value?.id : undefined;
    const [licences, unmanagedGlobalAdministrator] = accountId
        ? await Promise.all([
              attempt(() => getLicenseDetails(ctx, accountId)),
              attempt(() => readRoleHeldElsewhere(ctx, accountId, GLOBAL_ADMINISTRATOR.templateId)),
          ])
        : [undefined, undefined];
    const plan = environments.ok ? await attempt(async () => planEnvironments(config.environments, environments.value)) : undefined;
    const targets = plan?.ok ? plan.value.targets : [];

    const groups = [...new Set(targets.map((target) => target.securityGroupId).filter((id): id is string => !!id))];
    const memberships = new Map<string, Attempt<boolean>>();
    if (accountId) {
        await Promise.all(groups.map(async (group) => memberships.set(group, await attempt(() => isGroupMember(ctx, group, accountId)))));
    }
    const dataverse = await Promise.all(
        targets.map(async (target) => ({
            environment: { id: target.id, displayName: target.displayName },
            access: await attempt(() => findSystemUserWithRoles(ctx, { environmentId: target.id, instanceUrl: target.instanceUrl }, operator.objectId)),
        })),
    );
    return {
        signIn: { ok: true, value: operator },
        operatorRoles,
        account,
        licences,
        unmanagedGlobalAdministrator,
        environments,
        plan,
        memberships,
        dataverse,
        pim,
    };
}
