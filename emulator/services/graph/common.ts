// Microsoft Graph conventions shared by the Graph route modules: error shape,
// @odata.context, $select, $filter and paging.
import { HttpError, Reply, RequestContext, header } from "../../core/http";
import { compileFilter, FieldType, Filter, FilterError } from "../../core/odata-filter";
import { decodeSkipToken, nextLink, pageOf } from "../../core/paging";
import { Route } from "../../core/router";
import { ServiceDeps } from "../deps";

export const GRAPH_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export type GraphRoute = Route;

/** An assignment with every property and no values: types a $filter over an empty list of assignments. */
export const BLANK_ASSIGNMENT = { id: "", principalId: "", roleDefinitionId: "", directoryScopeId: "/", startDateTime: null, endDateTime: null };

export function graphError(ctx: RequestContext, status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
    const clientRequestId = header(ctx, "client-request-id") ?? ctx.requestId;
    return {
        status,
        headers: { "request-id": ctx.requestId, "client-request-id": clientRequestId, ...headers },
        body: {
            error: {
                code,
                message,
                innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ""), "request-id": ctx.requestId, "client-request-id": clientRequestId },
            },
        },
    };
}

export function ok(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}): Reply {
    return { status, body, headers: { "request-id": ctx.requestId, "client-request-id": header(ctx, "client-request-id") ?? ctx.requestId, ...headers } };
}

export function noContent(ctx: RequestContext): Reply {
    return ok(ctx, 204, undefined);
}

export function badRequest(ctx: RequestContext, message: string): never {
    throw new HttpError(graphError(ctx, 400, "BadRequest", message));
}

export function notFound(ctx: RequestContext, id: string): never {
    throw new HttpError(
        graphError(ctx, 404, "Request_ResourceNotFound", `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
    );
}

/** The @odata.context URL of a response, e.g. contextUrl(deps, "v1.0", "users/$entity"). */
export function contextUrl(deps: ServiceDeps, version: string, fragment: string): string {
    return `${deps.endpoints.graph}/${version}/$metadata#${fragment}`;
}

/** Who holds which role where: what a role assignment, eligibility, instance and schedule all start with. */
export function scopedRole(a: { id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string }): Record<string, unknown> {
    return { id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId, appScopeId: null };
}

/** One entity's answer: its @odata.context and its $select-ed representation (`finish` adds e.g. $expand). */
export function entityAnswer(
    deps: ServiceDeps,
    ctx: RequestContext,
    version: string,
    entitySet: string,
    entityType: string,
    representation: Record<string, unknown>,
    defaults: readonly string[],
    finish: (selected: Record<string, unknown>) => Record<string, unknown> = (selected) => selected,
): Reply {
    return ok(ctx, 200, {
        "@odata.context": contextUrl(deps, version, `${entitySet}/$entity`),
        ...finish(select(ctx, entityType, representation, defaults)),
    });
}

/**
 * A list's answer: the items the request's $filter keeps (typed by `sample`, which stands
 * in when the list is empty), each $select-ed and `finish`ed, one page at a time.
 */
export function listAnswer(
    deps: ServiceDeps,
    ctx: RequestContext,
    version: string,
    entitySet: string,
    entityType: string,
    items: Array<Record<string, unknown>>,
    sample: Record<string, unknown>,
    defaults: readonly string[],
    finish: (selected: Record<string, unknown>) => Record<string, unknown> = (selected) => selected,
): Reply {
    const filter = filterFrom(ctx, entityType, sample);
    const matching = filter ? items.filter(filter) : items;
    return collection(
        deps,
        ctx,
        contextUrl(deps, version, entitySet),
        matching.map((item) => finish(select(ctx, entityType, item, defaults))),
    );
}

/** Applies $select (or the default set) to a full representation; unknown properties are a 400 as in Graph. */
export function select(ctx: RequestContext, entityType: string, full: Record<string, unknown>, defaults: readonly string[]): Record<string, unknown> {
    const raw = ctx.query.get("$select");
    const wanted = raw
        ? raw
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
        : defaults;
    const out: Record<string, unknown> = {};
    for (const name of wanted) {
        const key = Object.keys(full).find((k) => k.toLowerCase() === name.toLowerCase());
        if (!key) badRequest(ctx, `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${entityType}'.`);
        out[key] = full[key];
    }
    return out;
}

/** Compiles $filter against the properties of a representation (all compared as Graph types). */
export function filterFrom(ctx: RequestContext, entityType: string, sample: Record<string, unknown>): Filter | undefined {
    const text = ctx.query.get("$filter");
    if (!text) return undefined;
    const fieldType = (name: string): FieldType | undefined => {
        const key = Object.keys(sample).find((k) => k.toLowerCase() === name.toLowerCase());
        if (!key) return undefined;
        const v = sample[key];
        return typeof v === "boolean" ? "boolean" : typeof v === "number" ? "number" : "string";
    };
    try {
        const filter = compileFilter(text, { entityType, fieldType });
        // property names in Graph filters are case-insensitive: match against a lower-cased copy
        return (record) =>
            filter(
                Object.fromEntries(
                    Object.entries(record).flatMap(([k, v]) => [
                        [k, v],
                        [k.toLowerCase(), v],
                    ]),
                ),
            );
    } catch (err) {
        if (err instanceof FilterError) badRequest(ctx, `Invalid filter clause: ${err.message}`);
        throw err;
    }
}

/** A Graph collection page: value, @odata.context, @odata.nextLink and @odata.count when asked. */
export function collection(deps: ServiceDeps, ctx: RequestContext, context: string, items: Array<Record<string, unknown>>): Reply {
    const top = ctx.query.get("$top");
    let size = deps.tenant.state.behaviour.graphPageSize;
    if (top !== null) {
        const n = Number(top);
        if (!Number.isInteger(n) || n < 1 || n > 999) badRequest(ctx, `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
        size = n;
    }
    const offset = decodeSkipToken(ctx.query.get("$skiptoken"));
    if (offset === undefined) badRequest(ctx, "Invalid $skiptoken value.");
    const page = pageOf(items, offset, size);
    const body: Record<string, unknown> = { "@odata.context": context };
    if (ctx.query.get("$count") === "true") body["@odata.count"] = items.length;
    if (page.nextOffset !== undefined) body["@odata.nextLink"] = nextLink(ctx.origin, ctx.path, ctx.query, page.nextOffset);
    body.value = page.items;
    return ok(ctx, 200, body);
}
