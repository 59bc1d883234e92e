// Read-only Graph lookups for reporting what an account holds now (the fleet's status
// command and the doctor): its directory roles by name, when a time-bound one ends, and a
// role it holds in ways the program does not manage. Nothing here writes to the tenant.
// The account itself is read with readDirectoryUser (directory-user.ts).
//
//   roles, named         GET {graph}/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'&$expand=roleDefinition
//   time-bound ends      Entra PIM's schedule instances (pim.ts); a tenant without Entra ID P2 answers
//                        400 AadPremiumLicenseRequired, and then no assignment can be time-bound, so
//                        there is no end to report
//   a role held some other way (readRoleHeldElsewhere):
//     the account's groups   GET {graph}/v1.0/users/{id}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName
//     the role's holders     GET {graph}/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{role}'
//     the role's eligibles   GET {graph}/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '{role}'

import { ClientContext } from "../transport/context";
import { ApiAnswer, Explanation } from "../transport/http/request";
import { getAllGraphPages } from "./graph";
import { isPimLicenceError, listActiveRoleSchedules } from "./pim";

export interface NamedRoleAssignment {
    readonly roleDefinitionId: string;
    readonly displayName: string;
    readonly directoryScopeId: string;
}

export interface RoleAssignmentEnd {
    readonly roleDefinitionId: string;
    /** ISO 8601; null for a permanent assignment. */
    readonly endDateTime: string | null;
}

/** The principal's active directory role assignments with each role's display name (all pages). */
export async function listNamedRoleAssignments(ctx: ClientContext, principalId: string): Promise<NamedRoleAssignment[]> {
    const filter = encodeURIComponent(`principalId eq '${principalId.toLowerCase()}'`);
    const raw = await getAllGraphPages(
        ctx,
        `roleManagement/directory/roleAssignments?$filter=${filter}&$expand=roleDefinition`,
        "read the account's directory roles",
        (answer) =>
            answer.status === 403
                ? { fix: "the operator needs the Microsoft Graph permission RoleManagement.Read.Directory (or RoleManagement.ReadWrite.Directory)." }
                : undefined,
    );
    return raw.map((entry) => {
        const roleDefinitionId = String(entry?.roleDefinitionId ?? "").toLowerCase();
        return {
            roleDefinitionId,
            displayName: typeof entry?.roleDefinition?.displayName === "string" ? entry.roleDefinition.displayName : roleDefinitionId,
            directoryScopeId: String(entry?.directoryScopeId ?? ""),
        };
    });
}

/** When each of the principal's active assignments ends; an empty list when the tenant has no Entra ID P2. */
export async function listRoleAssignmentEnds(ctx: ClientContext, principalId: string): Promise<RoleAssignmentEnd[]> {
    try {
        const schedules = await listActiveRoleSchedules(ctx, principalId);
        return schedules.map((schedule) => ({ roleDefinitionId: schedule.roleDefinitionId, endDateTime: schedule.endDateTime }));
    } catch (error) {
        if (isPimLicenceError(error)) return [];
        throw error;
    }
}

export interface GroupRef {
    readonly id: string;
    /** The id when Graph withholds the name (the operator may read group ids, not their names). */
    readonly displayName: string;
}

export interface EligibleRole {
    /** The role-assignable group the eligibility is given to; undefined when it is the account's own. */
    readonly throughGroup?: GroupRef;
    /** ISO 8601; null when permanently eligible. */
    readonly endDateTime: string | null;
}

export interface RoleHeldElsewhere {
    /** Role-assignable groups the account is a member of (directly or nested) that hold the role. */
    readonly throughGroups: readonly GroupRef[];
    /** PIM eligibilities of the account, or of one of its groups, for the role: it can activate the role at will. */
    readonly eligible: readonly EligibleRole[];
}

const ROLE_READ_FIX = "the operator needs the Microsoft Graph permission RoleManagement.Read.Directory (or RoleManagement.ReadWrite.Directory).";

function explainRoleRead(answer: ApiAnswer): Explanation | undefined {
    return answer.status === 403 ? { fix: ROLE_READ_FIX } : undefined;
}

/**
 * How the account holds `roleDefinitionId` besides a direct active assignment, which
 * the program neither grants nor removes: through a role-assignable group it is a member
 * of, or as an eligible assignment in Entra PIM (it may activate the role whenever it
 * likes). Three reads whatever the tenant's size: the account's groups, and the role's
 * assignments and eligibilities filtered by role — one query each instead of one per
 * group, and by role rather than by principal so that a group's eligibility is found
 * too. A tenant without Entra ID P2 has no PIM, so nothing can be eligible there.
 */
export async function readRoleHeldElsewhere(ctx: ClientContext, accountId: string, roleDefinitionId: string): Promise<RoleHeldElsewhere> {
    const account = accountId.toLowerCase();
    const role = encodeURIComponent(`roleDefinitionId eq '${roleDefinitionId.toLowerCase()}'`);
    const [groups, assignments, eligibilities] = await Promise.all([
        getAllGraphPages(ctx, `users/${account}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName`, "read the account's groups", (answer) =>
            answer.status === 403
                ? { fix: "the operator needs the Microsoft Graph permission Directory.Read.All (or GroupMember.Read.All with User.Read.All)." }
                : undefined,
        ),
        getAllGraphPages(ctx, `roleManagement/directory/roleAssignments?$filter=${role}`, "read who holds the role", explainRoleRead),
        getAllGraphPages(
            ctx,
            `roleManagement/directory/roleEligibilityScheduleInstances?$filter=${role}`,
            "read who is eligible for the role (PIM)",
            explainRoleRead,
        ).catch((error) => {
            if (isPimLicenceError(error)) return [];
            throw error;
        }),
    ]);
    const groupsById = new Map<string, GroupRef>(
        groups.map((group) => {
            const id = String(group?.id ?? "").toLowerCase();
            return [id, { id, displayName: typeof group?.displayName === "string" && group.displayName ? group.displayName : id }];
        }),
    );
    const principal = (entry: any) => String(entry?.principalId ?? "").toLowerCase();
    const throughGroups = [...new Set(assignments.map(principal))].flatMap((id) => (groupsById.has(id) ? [groupsById.get(id)!] : []));
    const eligible = eligibilities
        .filter((entry) => principal(entry) === account || groupsById.has(principal(entry)))
        .map((entry) => ({
            ...(principal(entry) === account ? {} : { throughGroup: groupsById.get(principal(entry))! }),
            endDateTime: typeof entry?.endDateTime === "string" ? entry.endDateTime : null,
        }));
    return { throughGroups, eligible };
}
