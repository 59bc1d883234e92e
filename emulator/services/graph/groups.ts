// Graph: groups and their members through $ref.
//
// The azuread provider's GroupMember resource uses the beta API: create = GET
// /beta/groups/{id}, GET /beta/groups/{id}/members (adopting nothing: an existing
// member is an "already exists" error), then POST /beta/groups/{id}/members/$ref
// {"@odata.id": "{graph}/beta/directoryObjects/{memberId}"} expecting 204; read = GET
// /beta/groups/{id}/members?$filter=id eq '{memberId}'; delete = DELETE
// /beta/groups/{id}/members/{memberId}/$ref expecting 204, then the same read until
// the member is gone.
//
// The program asks about one member the same way, in v1.0 and as an advanced query:
// GET /v1.0/groups/{id}/members?$filter=id eq '{memberId}'&$select=id&$count=true with
// "ConsistencyLevel: eventual". As in Graph, `members` is the direct membership only
// (a member of a nested group is not listed), and $count on this directory-object
// relationship without that header is refused (400 "$count is not currently supported.").
import { header, HttpError, isPlainObject, jsonBody, RequestContext } from "../../core/http";
import { route } from "../../core/router";
import { Group } from "../../seed/types";
import { ServiceDeps } from "../deps";
import { badRequest, collection, contextUrl, entityAnswer, filterFrom, graphError, GraphRoute, noContent, notFound, select } from "./common";
import { directoryObject, directoryObjectLookup, groupRepresentation, BLANK_USER, GROUP_DEFAULT_PROPERTIES } from "./representations";

const V = "(v1\\.0|beta)";

/** Graph counts directory objects only in advanced queries: `$count=true` needs `ConsistencyLevel: eventual`. */
function requireAdvancedQueryForCount(ctx: RequestContext): void {
    if (ctx.query.get("$count") !== "true") return;
    if ((header(ctx, "consistencylevel") ?? "").toLowerCase() === "eventual") return;
    throw new HttpError(graphError(ctx, 400, "Request_BadRequest", "$count is not currently supported."));
}

export function groupRoutes(deps: ServiceDeps): GraphRoute[] {
    const { tenant } = deps;
    const findGroup = (ctx: RequestContext, id: string): Group => tenant.group(id) ?? notFound(ctx, id);

    /** The object a reference URL points at: …/directoryObjects/{id}, …/users/{id}, …/servicePrincipals/{id} or …/groups/{id}. */
    function referencedId(ctx: RequestContext, body: unknown): string {
        const ref = isPlainObject(body) ? body["@odata.id"] : undefined;
        const match = typeof ref === "string" ? ref.match(/\/(?:directoryObjects|users|servicePrincipals|groups)\/([^/?#]+)\/?$/i) : null;
        if (!match) badRequest(ctx, `Invalid object identifier '${typeof ref === "string" ? ref : ""}'.`);
        return decodeURIComponent(match[1]).toLowerCase();
    }

    return [
        route("GET", new RegExp(`^/${V}/groups/([^/]+)$`, "i"), (ctx, m) => {
            const group = findGroup(ctx, m[2]);
            return entityAnswer(deps, ctx, m[1], "groups", "microsoft.graph.group", groupRepresentation(group), GROUP_DEFAULT_PROPERTIES);
        }),
        route("GET", new RegExp(`^/${V}/groups/([^/]+)/members$`, "i"), (ctx, m) => {
            const group = findGroup(ctx, m[2]);
            requireAdvancedQueryForCount(ctx);
            const lookup = directoryObjectLookup(tenant);
            const members = group.members.map(lookup).filter((o) => o !== undefined);
            const filter = filterFrom(ctx, "microsoft.graph.directoryObject", members[0]?.representation ?? BLANK_USER);
            const matching = filter ? members.filter((o) => filter(o.representation)) : members;
            return collection(
                deps,
                ctx,
                contextUrl(deps, m[1], "directoryObjects"),
                matching.map((o) => ({ "@odata.type": `#${o.type}`, ...select(ctx, o.type, o.representation, o.defaults) })),
            );
        }),
        route("GET", new RegExp(`^/${V}/groups/([^/]+)/members/\\$ref$`, "i"), (ctx, m) => {
            const group = findGroup(ctx, m[2]);
            const refs = group.members.map((id) => ({ "@odata.id": `${deps.endpoints.graph}/${m[1]}/directoryObjects/${id}` }));
            return collection(deps, ctx, contextUrl(deps, m[1], "Collection($ref)"), refs);
        }),
        route("POST", new RegExp(`^/${V}/groups/([^/]+)/members/\\$ref$`, "i"), async (ctx, m) => {
            const group = findGroup(ctx, m[2]);
            const memberId = referencedId(ctx, await jsonBody(ctx, (message) => graphError(ctx, 400, "BadRequest", message)));
            if (!directoryObject(tenant, memberId)) notFound(ctx, memberId);
            if (group.members.includes(memberId)) {
                return graphError(
                    ctx,
                    400,
                    "Request_BadRequest",
                    "One or more added object references already exist for the following modified properties: 'members'.",
                );
            }
            group.members.push(memberId);
            return noContent(ctx);
        }),
        route("DELETE", new RegExp(`^/${V}/groups/([^/]+)/members/([^/]+)/\\$ref$`, "i"), (ctx, m) => {
            const group = findGroup(ctx, m[2]);
            const memberId = decodeURIComponent(m[3]).toLowerCase();
            const index = group.members.indexOf(memberId);
            if (index < 0) notFound(ctx, memberId);
            group.members.splice(index, 1);
            return noContent(ctx);
        }),
    ];
}
