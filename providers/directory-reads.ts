// Read-only Graph lookups for reporting what an account holds now (the fleet's status
// command): its directory roles by name, and when a time-bound one ends. Nothing here
// writes to the tenant. The account itself is read with readDirectoryUser (directory-user.ts).
//
//   roles, named         GET {graph}/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'&$expand=roleDefinition
//   time-bound ends      Entra PIM's schedule instances (pim.ts); a tenant without Entra ID P2 answers
//                        400 AadPremiumLicenseRequired, and then no assignment can be time-bound, so
//                        there is no end to report

import { ClientContext } from "./context";
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
    const raw = await getAllGraphPages(ctx, `roleManagement/directory/roleAssignments?$filter=${filter}&$expand=roleDefinition`, "read the account's directory roles", (answer) =>
        answer.status === 403 ? { fix: "the operator needs the Microsoft Graph permission RoleManagement.Read.Directory (or RoleManagement.ReadWrite.Directory)." } : undefined,
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
