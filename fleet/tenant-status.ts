// What one tenant itself says the backup account holds now — not what the stack's state
// remembers: its directory roles (with the end of a time-bound one), and per environment
// to back up whether the account is a user, its access mode and whether it holds System
// Administrator. It also reports Global Administrator held in ways the program does not
// manage (through a role-assignable group, or eligible in PIM), which no stage removes,
// and the environments the program leaves out, each with its reason code and why
// (lib/environment-plan.ts decides: Teams, no Dataverse, provisioning, disabled, …).
// Read-only: only GET requests (and the operator's sign-in); the
// operator is never made an application user here (addOperatorAppUser is off), so an
// environment whose Dataverse refuses the operator is reported, not changed.

import { describeServiceAccount, ProgramConfig } from "../lib/config";
import { DIRECTORY_ROLES, GLOBAL_ADMINISTRATOR } from "../lib/directory-roles";
import { planEnvironments, SkippedEnvironment } from "../lib/environment-plan";
import {
    accessModeName,
    checkOperatorSignIn,
    ClientContext,
    ClientSettings,
    createClientContext,
    customEndpointsNotice,
    findSystemUserWithRoles,
    listEnvironments,
    listNamedRoleAssignments,
    listRoleAssignmentEnds,
    messageOf,
    readDirectoryUser,
    readOnlySettings,
    readRoleHeldElsewhere,
    SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
} from "../providers";

export interface DirectoryRoleHeld {
    readonly name: string;
    readonly roleDefinitionId: string;
    /** ISO 8601 end of a time-bound assignment; null when permanent. */
    readonly endDateTime: string | null;
}

export interface EnvironmentStatus {
    readonly id: string;
    readonly name: string;
    /** The Entra group the environment is restricted to (the account must be a member); null when none. */
    readonly securityGroupId: string | null;
    readonly user: boolean;
    /** read-write, administrative, …; null when the account is not a user there. */
    readonly accessMode: string | null;
    readonly disabled: boolean;
    readonly systemAdministrator: boolean;
    /** What the backup product needs: an enabled Read-Write user with System Administrator. */
    readonly ok: boolean;
    /** Why the environment could not be read, when it could not. */
    readonly error?: string;
}

/** Global Administrator the account holds in ways the program neither grants nor removes. */
export interface UnmanagedGlobalAdministrator {
    /** Role-assignable groups of the account (display names) that hold Global Administrator. */
    readonly throughGroups: readonly string[];
    /** Eligible assignments in PIM: the account's own (throughGroup null) or a group's. */
    readonly eligible: readonly { readonly throughGroup: string | null; readonly endDateTime: string | null }[];
    /** Why this could not be read, when it could not (the rest of the status stands). */
    readonly error?: string;
}

export interface TenantStatus {
    readonly account: string;
    readonly accountObjectId: string | null;
    readonly directoryRoles: readonly DirectoryRoleHeld[];
    /** Absent when the account was not found. */
    readonly unmanagedGlobalAdministrator?: UnmanagedGlobalAdministrator;
    readonly environments: readonly EnvironmentStatus[];
    /**
     * The tenant's environments the program does not serve now, with reasonCode, reason
     * and kind. Read without the stack's state, so none is marked kept and none deleted.
     */
    readonly skipped: readonly SkippedEnvironment[];
}

/** The program's name for a role it manages ("Dynamics 365 Administrator"), Graph's for the others. */
function roleName(roleDefinitionId: string, graphName: string): string {
    return DIRECTORY_ROLES.find((role) => role.templateId === roleDefinitionId)?.displayName ?? graphName;
}

export async function readTenantStatus(config: ProgramConfig, clientSettings: ClientSettings, log: (line: string) => void): Promise<TenantStatus> {
    // Read-only by construction: GET requests only (the HTTP layer refuses anything else).
    const settings: ClientSettings = readOnlySettings(clientSettings);
    const ctx = await createClientContext(settings, { log });
    const custom = customEndpointsNotice(ctx);
    if (custom) log(`warning: ${custom}`);
    await checkOperatorSignIn(ctx);
    const account = describeServiceAccount(config.serviceAccount);
    // By object id or by user principal name: Graph's users/{id} takes either.
    const found = await readDirectoryUser(ctx, account);
    const available = await listEnvironments(ctx);
    const plan = planEnvironments(config.environments, available);
    if (!found) {
        log(`${account}: no such user in the tenant`);
        return {
            account,
            accountObjectId: null,
            directoryRoles: [],
            environments: plan.targets.map((target) => ({
                id: target.id,
                name: target.displayName,
                securityGroupId: target.securityGroupId ?? null,
                user: false,
                accessMode: null,
                disabled: false,
                systemAdministrator: false,
                ok: false,
            })),
            skipped: plan.skipped,
        };
    }

    const [assignments, ends, unmanagedGlobalAdministrator] = await Promise.all([
        listNamedRoleAssignments(ctx, found.id),
        listRoleAssignmentEnds(ctx, found.id),
        readUnmanagedGlobalAdministrator(ctx, found.id, log),
    ]);
    const directoryRoles = assignments
        .filter((assignment) => assignment.directoryScopeId === "/")
        .map((assignment) => ({
            name: roleName(assignment.roleDefinitionId, assignment.displayName),
            roleDefinitionId: assignment.roleDefinitionId,
            endDateTime: ends.find((end) => end.roleDefinitionId === assignment.roleDefinitionId)?.endDateTime ?? null,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));

    const environments = await Promise.all(
        plan.targets.map(async (target): Promise<EnvironmentStatus> => {
            const base = { id: target.id, name: target.displayName, securityGroupId: target.securityGroupId ?? null };
            try {
                const held = await findSystemUserWithRoles(ctx, { environmentId: target.id, instanceUrl: target.instanceUrl }, found.id);
                if (!held) return { ...base, user: false, accessMode: null, disabled: false, systemAdministrator: false, ok: false };
                const accessMode = accessModeName(held.user.accessMode);
                const systemAdministrator = held.roles.some((role) => role.templateId === SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID);
                const disabled = held.user.isDisabled;
                return { ...base, user: true, accessMode, disabled, systemAdministrator, ok: !disabled && accessMode === "read-write" && systemAdministrator };
            } catch (error) {
                log(`environment ${target.id}: ${messageOf(error)}`);
                return { ...base, user: false, accessMode: null, disabled: false, systemAdministrator: false, ok: false, error: messageOf(error) };
            }
        }),
    );
    return { account, accountObjectId: found.id, directoryRoles, unmanagedGlobalAdministrator, environments, skipped: plan.skipped };
}

/** Read apart from the rest: a refusal here is reported in the status, not a failed tenant. */
async function readUnmanagedGlobalAdministrator(ctx: ClientContext, accountId: string, log: (line: string) => void): Promise<UnmanagedGlobalAdministrator> {
    try {
        const held = await readRoleHeldElsewhere(ctx, accountId, GLOBAL_ADMINISTRATOR.templateId);
        return {
            throughGroups: held.throughGroups.map((group) => group.displayName),
            eligible: held.eligible.map((entry) => ({ throughGroup: entry.throughGroup?.displayName ?? null, endDateTime: entry.endDateTime })),
        };
    } catch (error) {
        log(`Global Administrator through groups or PIM eligibility: ${messageOf(error)}`);
        return { throughGroups: [], eligible: [], error: messageOf(error) };
    }
}
