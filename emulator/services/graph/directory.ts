// Graph: users (by id or UPN, $filter, $select), their licences, manager and group
// memberships; service principals; directory objects; the organisation.
//
// The azuread provider's getUser data source calls GET /v1.0/users?$filter=userPrincipalName eq '…'
// (or GET /v1.0/users/{id}), then GET /v1.0/users/{id}?$select=<its property list>, then
// GET /v1.0/users/{id}/manager, treating 404 as "no manager".
import { licenseDetail } from "../../data/directory";
import { RequestContext } from "../../core/http";
import { route } from "../../core/router";
import { ServiceDeps } from "../deps";
import { badRequest, collection, contextUrl, entityAnswer, graphError, GraphRoute, listAnswer, notFound } from "./common";
import {
    BLANK_USER,
    directoryObject,
    groupRepresentation,
    GROUP_DEFAULT_PROPERTIES,
    servicePrincipalRepresentation,
    SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
    userRepresentation,
    USER_DEFAULT_PROPERTIES,
} from "./representations";

const V = "(v1\\.0|beta)";

export function directoryRoutes(deps: ServiceDeps): GraphRoute[] {
    const { tenant } = deps;

    function findUser(ctx: RequestContext, key: string) {
        const decoded = decodeURIComponent(key);
        return tenant.user(decoded) ?? notFound(ctx, decoded);
    }

    return [
        route("GET", new RegExp(`^/${V}/users$`, "i"), (ctx, m) => {
            const all = tenant.state.users.map(userRepresentation);
            return listAnswer(deps, ctx, m[1], "users", "microsoft.graph.user", all, all[0] ?? BLANK_USER, USER_DEFAULT_PROPERTIES);
        }),
        route("GET", new RegExp(`^/${V}/users/([^/]+)$`, "i"), (ctx, m) => {
            const user = findUser(ctx, m[2]);
            return entityAnswer(deps, ctx, m[1], "users", "microsoft.graph.user", userRepresentation(user), USER_DEFAULT_PROPERTIES);
        }),
        route("GET", new RegExp(`^/${V}/users/([^/]+)/licenseDetails$`, "i"), (ctx, m) => {
            const user = findUser(ctx, m[2]);
            return collection(
                deps,
                ctx,
                contextUrl(deps, m[1], `users('${user.id}')/licenseDetails`),
                user.licenses.map((l) => ({ ...licenseDetail(user.id, l) })),
            );
        }),
        route("GET", new RegExp(`^/${V}/users/([^/]+)/manager$`, "i"), (ctx, m) => {
            findUser(ctx, m[2]);
            // nobody has a manager in the emulated tenant
            return graphError(
                ctx,
                404,
                "Request_ResourceNotFound",
                "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
            );
        }),
        // memberOf: the groups the user is a direct member of; transitiveMemberOf: also the
        // groups those groups are members of, and so on. `/microsoft.graph.group` casts the
        // collection to groups (the only kind of directory object a user is a member of here).
        route("GET", new RegExp(`^/${V}/users/([^/]+)/(memberOf|transitiveMemberOf)(/microsoft\\.graph\\.group)?$`, "i"), (ctx, m) => {
            const user = findUser(ctx, m[2]);
            const transitive = m[3].toLowerCase() === "transitivememberof";
            const cast = m[4] !== undefined;
            const groups = (transitive ? tenant.groupsContainingTransitively(user.id) : tenant.state.groups.filter((g) => g.members.includes(user.id))).map(
                groupRepresentation,
            );
            const sample = groups[0] ?? groupRepresentation({ id: "", displayName: "", members: [], isAssignableToRole: false });
            return cast
                ? listAnswer(deps, ctx, m[1], "groups", "microsoft.graph.group", groups, sample, GROUP_DEFAULT_PROPERTIES)
                : listAnswer(deps, ctx, m[1], "directoryObjects", "microsoft.graph.group", groups, sample, GROUP_DEFAULT_PROPERTIES, (g) => ({
                      "@odata.type": "#microsoft.graph.group",
                      ...g,
                  }));
        }),
        route("GET", new RegExp(`^/${V}/me$`, "i"), (ctx) => badRequest(ctx, "/me request is only valid with delegated authentication flow.")),
        route("GET", new RegExp(`^/${V}/servicePrincipals$`, "i"), (ctx, m) => {
            const all = tenant.applications().map((a) => servicePrincipalRepresentation(a, tenant.tenantId));
            return listAnswer(deps, ctx, m[1], "servicePrincipals", "microsoft.graph.servicePrincipal", all, all[0], SERVICE_PRINCIPAL_DEFAULT_PROPERTIES);
        }),
        route("GET", new RegExp(`^/${V}/servicePrincipals/([^/]+)$`, "i"), (ctx, m) => {
            const principal = tenant.principal(m[2]);
            if (principal?.kind !== "application") notFound(ctx, m[2]);
            const sp = servicePrincipalRepresentation(principal.application, tenant.tenantId);
            return entityAnswer(deps, ctx, m[1], "servicePrincipals", "microsoft.graph.servicePrincipal", sp, SERVICE_PRINCIPAL_DEFAULT_PROPERTIES);
        }),
        route("GET", new RegExp(`^/${V}/directoryObjects/([^/]+)$`, "i"), (ctx, m) => {
            const found = directoryObject(tenant, m[2]) ?? notFound(ctx, m[2]);
            return entityAnswer(deps, ctx, m[1], "directoryObjects", found.type, found.representation, found.defaults, (selected) => ({
                "@odata.type": `#${found.type}`,
                ...selected,
            }));
        }),
        route("GET", new RegExp(`^/${V}/organization$`, "i"), (ctx, m) =>
            collection(deps, ctx, contextUrl(deps, m[1], "organization"), [
                { id: tenant.tenantId, displayName: "Emulated tenant", tenantType: "AAD", verifiedDomains: verifiedDomains(deps) },
            ]),
        ),
    ];
}

function verifiedDomains(deps: ServiceDeps): Array<Record<string, unknown>> {
    const domains = [...new Set(deps.tenant.state.users.map((u) => u.userPrincipalName.split("@")[1].toLowerCase()))];
    return domains.map((name, i) => ({
        capabilities: "Email, OfficeCommunicationsOnline",
        isDefault: i === 0,
        isInitial: name.endsWith(".onmicrosoft.com"),
        name,
        type: "Managed",
    }));
}
