// Microsoft Graph: the account's licences, and the access it already holds.
//
//   GET {graph}/v1.0/users/{id}/licenseDetails   (pages: "@odata.nextLink"; group-inherited licences included)
//
// Which licences count as "a Dynamics licence": a SKU counts when one of its service
// plans is a Dynamics 365 / CRM plan whose provisioningStatus is Success. Plan names
// starting DYN365_, D365_ or CRM qualify, except the Dataverse ("CDS") plans bundled
// with Office 365 and Power Apps, and storage or instance add-ons, which carry no
// Dynamics user licence. A known Dynamics SKU whose plans are not listed counts too.

import { ClientContext } from "../transport/context";
import { accessError } from "../transport/errors";
import { getAllPages } from "../transport/http/paging";
import { ApiRequest } from "../transport/http/request";
import { GUID_PATTERN } from "../transport/ids";

export interface ServicePlan {
    readonly servicePlanId: string;
    readonly servicePlanName: string;
    readonly provisioningStatus: string;
    readonly appliesTo: string;
}

export interface LicenseDetail {
    readonly skuId: string;
    readonly skuPartNumber: string;
    readonly servicePlans: readonly ServicePlan[];
}

/** Dynamics 365 SKUs known to carry a user licence; not exhaustive, the plan rule covers the rest. */
export const DYNAMICS_SKUS: readonly string[] = [
    "DYN365_ENTERPRISE_PLAN1",
    "DYN365_ENTERPRISE_PLAN2",
    "DYN365_ENTERPRISE_SALES",
    "DYN365_ENTERPRISE_CUSTOMER_SERVICE",
    "DYN365_ENTERPRISE_SALES_CUSTOMERSERVICE",
    "DYN365_ENTERPRISE_FIELD_SERVICE",
    "DYN365_ENTERPRISE_TEAM_MEMBERS",
    "DYN365_TEAM_MEMBERS",
    "D365_SALES_PRO",
    "CRMSTANDARD",
    "CRMPLAN2",
];

const DYNAMICS_PLAN = /^(DYN365_|D365_|CRM)/i;
const NOT_A_USER_LICENCE = /CDS|STORAGE|INSTANCE/i;

/** Every page of a Graph v1.0 collection (`@odata.nextLink`), read with the operator's Graph token. */
export function getAllGraphPages(ctx: ClientContext, path: string, call: string, explain: ApiRequest["explain"]): Promise<any[]> {
    return getAllPages<any>(
        ctx.http,
        { service: "graph", method: "GET", url: `${ctx.endpoints.graph}/v1.0/${path}`, audience: ctx.endpoints.graphAudience, call, explain },
        "@odata.nextLink",
    );
}

/** The account's licences (all pages). */
export async function getLicenseDetails(ctx: ClientContext, userObjectId: string): Promise<LicenseDetail[]> {
    if (!GUID_PATTERN.test(userObjectId)) {
        throw accessError("configuration", {
            what: `The user object id ${JSON.stringify(userObjectId)} is not a GUID`,
            fix: "pass the account's Entra object id.",
        });
    }
    const raw = await getAllGraphPages(ctx, `users/${userObjectId.toLowerCase()}/licenseDetails`, "read the account's licences", (answer) =>
        answer.status === 403
            ? { fix: "the operator needs the Microsoft Graph permission User.Read.All (application) or the Directory Readers role." }
            : answer.status === 404
              ? { kind: "not-found", fix: "check d365-backup-access:serviceAccount: no Entra user has this object id." }
              : undefined,
    );
    return raw.map((entry) => ({
        skuId: String(entry?.skuId ?? ""),
        skuPartNumber: String(entry?.skuPartNumber ?? ""),
        servicePlans: Array.isArray(entry?.servicePlans)
            ? entry.servicePlans.map((plan: any) => ({
                  servicePlanId: String(plan?.servicePlanId ?? ""),
                  servicePlanName: String(plan?.servicePlanName ?? ""),
                  provisioningStatus: String(plan?.provisioningStatus ?? ""),
                  appliesTo: String(plan?.appliesTo ?? ""),
              }))
            : [],
    }));
}

export interface DynamicsLicenseSummary {
    /** SKUs that give a usable Dynamics licence now. */
    readonly licensedSkus: string[];
    /** Dynamics SKUs assigned but whose Dynamics plans are not provisioned (yet). */
    readonly pendingSkus: string[];
}

export function summarizeDynamicsLicenses(details: readonly LicenseDetail[]): DynamicsLicenseSummary {
    const licensedSkus: string[] = [];
    const pendingSkus: string[] = [];
    for (const detail of details) {
        const plans = detail.servicePlans.filter((plan) => DYNAMICS_PLAN.test(plan.servicePlanName) && !NOT_A_USER_LICENCE.test(plan.servicePlanName));
        const knownSku = DYNAMICS_SKUS.includes(detail.skuPartNumber.toUpperCase());
        if (plans.some((plan) => plan.provisioningStatus === "Success") || (knownSku && detail.servicePlans.length === 0)) {
            licensedSkus.push(detail.skuPartNumber);
        } else if (plans.length || knownSku) {
            pendingSkus.push(detail.skuPartNumber);
        }
    }
    return { licensedSkus, pendingSkus };
}

/** True when the licences include a provisioned Dynamics 365 licence. */
export function hasDynamicsLicense(details: readonly LicenseDetail[]): boolean {
    return summarizeDynamicsLicenses(details).licensedSkus.length > 0;
}

/** A directory role the principal holds now (built-in roles: roleDefinitionId is the template id). */
export interface DirectoryRoleAssignmentInfo {
    readonly id: string;
    readonly roleDefinitionId: string;
    readonly directoryScopeId: string;
}

/**
 * The principal's active directory role assignments, so the program can adopt those it
 * would otherwise create (Graph refuses a second identical assignment).
 *   GET {graph}/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'
 */
export async function listDirectoryRoleAssignments(ctx: ClientContext, principalId: string): Promise<DirectoryRoleAssignmentInfo[]> {
    const filter = encodeURIComponent(`principalId eq '${principalId.toLowerCase()}'`);
    const raw = await getAllGraphPages(ctx, `roleManagement/directory/roleAssignments?$filter=${filter}`, "read the account's directory roles", (answer) =>
        answer.status === 403
            ? { fix: "the operator needs the Microsoft Graph permission RoleManagement.Read.Directory (or RoleManagement.ReadWrite.Directory)." }
            : undefined,
    );
    return raw.map((entry) => ({
        id: String(entry?.id ?? ""),
        roleDefinitionId: String(entry?.roleDefinitionId ?? "").toLowerCase(),
        directoryScopeId: String(entry?.directoryScopeId ?? ""),
    }));
}

/**
 * Whether the object is already a DIRECT member of the group, so the program adopts
 * the membership instead of failing on Graph's "already exist" answer. Asks about this
 * one member, never lists the group (a group of 100,000 members is 1,000 pages):
 *
 *   GET {graph}/v1.0/groups/{groupId}/members?$filter=id eq '{memberId}'&$select=id&$count=true
 *   ConsistencyLevel: eventual
 *
 * Why this call: `members` is the group's direct membership — exactly what the
 * azuread GroupMember the program imports manages, and the very query that provider
 * reads a membership back with. The alternatives answer another question:
 * checkMemberGroups / checkMemberObjects are transitive (a membership through a nested
 * group would be "adopted" and the GroupMember import would then fail), and
 * /users/{id}/memberOf/{groupId} is not a documented v1.0 request. Filtering members
 * is an advanced query on directory objects, which Graph documents with the
 * ConsistencyLevel header and $count; the index behind it may lag a change made
 * seconds earlier, which at worst turns an adoption into Graph's "already exist" error.
 */
export async function isGroupMember(ctx: ClientContext, groupId: string, memberId: string): Promise<boolean> {
    if (!GUID_PATTERN.test(memberId)) {
        throw accessError("configuration", {
            what: `The member object id ${JSON.stringify(memberId)} is not a GUID`,
            fix: "pass the account's Entra object id.",
        });
    }
    const filter = encodeURIComponent(`id eq '${memberId.toLowerCase()}'`);
    const response = await ctx.http.send<{ value?: unknown }>({
        service: "graph",
        method: "GET",
        url: `${ctx.endpoints.graph}/v1.0/groups/${encodeURIComponent(groupId.toLowerCase())}/members?$filter=${filter}&$select=id&$count=true`,
        audience: ctx.endpoints.graphAudience,
        headers: { ConsistencyLevel: "eventual" },
        call: "check the account's membership of the security group",
        explain: (answer) =>
            answer.status === 403
                ? { fix: "the operator needs the Microsoft Graph permission GroupMember.Read.All (or GroupMember.ReadWrite.All)." }
                : answer.status === 404
                  ? {
                        kind: "not-found",
                        fix: "the environment's security group no longer exists; fix the environment's security group in the Power Platform admin center.",
                    }
                  : undefined,
    });
    const members = Array.isArray(response.body?.value) ? (response.body.value as Array<{ id?: unknown }>) : [];
    return members.some((member) => String(member?.id ?? "").toLowerCase() === memberId.toLowerCase());
}
