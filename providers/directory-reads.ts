// Read-only Graph lookups for reporting what an account holds now (the fleet's status
// command): the account itself, its directory roles by name, and when a time-bound one
// ends. Nothing here writes to the tenant.
//
//   the account          GET {graph}/v1.0/users?$filter=userPrincipalName eq '{upn}'&$select=id,userPrincipalName,displayName
//                        GET {graph}/v1.0/users/{id}?$select=id,userPrincipalName,displayName        (404: no such user)
//   roles, named         GET {graph}/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'&$expand=roleDefinition
//   time-bound ends      GET {graph}/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '{id}'
//                        (Entra PIM; a tenant without Entra ID P2 answers 400 AadPremiumLicenseRequired,
//                        and then no assignment can be time-bound, so there is no end to report)

import { ClientContext } from "./context";
import { isAccessError } from "./errors";
import { ApiRequest, getAllPages } from "./http";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USER_FIELDS = "id,userPrincipalName,displayName";
const NO_PREMIUM_LICENCE = "AadPremiumLicenseRequired";

export interface AccountInfo {
    readonly id: string;
    readonly userPrincipalName: string;
    readonly displayName: string;
}

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

function graphRequest(ctx: ClientContext, path: string, call: string, extra: Partial<ApiRequest> = {}): ApiRequest {
    return { service: "graph", method: "GET", url: `${ctx.endpoints.graph}/v1.0/${path}`, audience: ctx.endpoints.graphAudience, call, ...extra };
}

const needsRoleReading: ApiRequest["explain"] = (answer) =>
    answer.status === 403 ? { fix: "the operator needs the Microsoft Graph permission RoleManagement.Read.Directory (or RoleManagement.ReadWrite.Directory)." } : undefined;

/** The account by user principal name or object id; undefined when the tenant has no such user. */
export async function findAccount(ctx: ClientContext, account: { userPrincipalName: string } | { objectId: string }): Promise<AccountInfo | undefined> {
    const explain: ApiRequest["explain"] = (answer) =>
        answer.status === 403 ? { fix: "the operator needs the Microsoft Graph permission User.Read.All (application) or the Directory Readers role." } : undefined;
    let raw: any;
    if ("objectId" in account) {
        if (!GUID.test(account.objectId)) return undefined;
        const response = await ctx.http.send(graphRequest(ctx, `users/${account.objectId.toLowerCase()}?$select=${USER_FIELDS}`, "look the account up", { expect: [404], explain }));
        raw = response.status === 404 ? undefined : response.body;
    } else {
        // OData string literals double their single quotes.
        const filter = encodeURIComponent(`userPrincipalName eq '${account.userPrincipalName.replace(/'/g, "''")}'`);
        const response = await ctx.http.send<{ value?: unknown[] }>(graphRequest(ctx, `users?$filter=${filter}&$select=${USER_FIELDS}`, "look the account up", { explain }));
        raw = Array.isArray(response.body?.value) ? response.body.value[0] : undefined;
    }
    if (!raw || typeof raw.id !== "string") return undefined;
    return { id: raw.id.toLowerCase(), userPrincipalName: String(raw.userPrincipalName ?? ""), displayName: String(raw.displayName ?? "") };
}

/** The principal's active directory role assignments with each role's display name (all pages). */
export async function listNamedRoleAssignments(ctx: ClientContext, principalId: string): Promise<NamedRoleAssignment[]> {
    const filter = encodeURIComponent(`principalId eq '${principalId.toLowerCase()}'`);
    const raw = await getAllPages<any>(
        ctx.http,
        graphRequest(ctx, `roleManagement/directory/roleAssignments?$filter=${filter}&$expand=roleDefinition`, "read the account's directory roles", { explain: needsRoleReading }),
        "@odata.nextLink",
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

/**
 * When each of the principal's active assignments ends, from Entra PIM's schedule
 * instances; an empty list when the tenant has no Entra ID P2 (nothing can be time-bound there).
 */
export async function listRoleAssignmentEnds(ctx: ClientContext, principalId: string): Promise<RoleAssignmentEnd[]> {
    const filter = encodeURIComponent(`principalId eq '${principalId.toLowerCase()}'`);
    const raw = await getAllPages<any>(
        ctx.http,
        graphRequest(ctx, `roleManagement/directory/roleAssignmentScheduleInstances?$filter=${filter}`, "read when the account's directory roles end", {
            explain: (answer) =>
                answer.status === 403
                    ? { fix: "the operator needs the Microsoft Graph permission RoleAssignmentSchedule.Read.Directory (or RoleManagement.Read.Directory)." }
                    : undefined,
        }),
        "@odata.nextLink",
    ).catch((error: unknown) => {
        if (isAccessError(error) && error.status === 400 && error.code === NO_PREMIUM_LICENCE) return [];
        throw error;
    });
    return raw.map((entry) => ({
        roleDefinitionId: String(entry?.roleDefinitionId ?? "").toLowerCase(),
        endDateTime: typeof entry?.endDateTime === "string" ? entry.endDateTime : null,
    }));
}
