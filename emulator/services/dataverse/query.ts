// Dataverse Web API query conventions: error shape, $select (the primary key and
// @odata.etag always come along), typed $filter, $expand with a nested $select,
// $top, and paging through Prefer: odata.maxpagesize with @odata.nextLink.
import { HttpError, Reply, RequestContext, header } from "../../core/http";
import { compileFilter, FieldType, Filter, FilterError } from "../../core/odata-filter";
import { decodeSkipToken, nextLink, pageOf } from "../../core/paging";

export const DATAVERSE_CONTENT_TYPE = "application/json; odata.metadata=minimal";
const DEFAULT_PAGE_SIZE = 5000;

export interface TableSchema {
    entityType: string;
    entitySet: string;
    primaryKey: string;
    columns: Readonly<Record<string, unknown>>;
    guidColumns: ReadonlySet<string>;
}

export function dataverseError(ctx: RequestContext, status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
    return { status, headers: { "OData-Version": "4.0", REQ_ID: ctx.requestId, ...headers }, body: { error: { code, message } } };
}

export function fail(ctx: RequestContext, status: number, code: string, message: string): never {
    throw new HttpError(dataverseError(ctx, status, code, message));
}

export function ok(ctx: RequestContext, status: number, body?: unknown, headers: Record<string, string> = {}): Reply {
    return { status, body, headers: { "OData-Version": "4.0", REQ_ID: ctx.requestId, ...headers } };
}

const unknownProperty = (ctx: RequestContext, schema: TableSchema, name: string): never =>
    fail(ctx, 400, "0x80060888", `Could not find a property named '${name}' on type '${schema.entityType}'.`);

export function selectedColumns(ctx: RequestContext, schema: TableSchema, text: string | null): string[] | undefined {
    if (!text) return undefined;
    const names = text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    for (const name of names) if (!(name in schema.columns)) unknownProperty(ctx, schema, name);
    return names;
}

export function applySelect(schema: TableSchema, record: Record<string, unknown>, columns: string[] | undefined): Record<string, unknown> {
    if (!columns) return { ...record };
    const out: Record<string, unknown> = { "@odata.etag": record["@odata.etag"] };
    for (const c of columns) out[c] = record[c];
    out[schema.primaryKey] = record[schema.primaryKey];
    return out;
}

export function compileDataverseFilter(ctx: RequestContext, schema: TableSchema, text: string | null): Filter | undefined {
    if (!text) return undefined;
    const fieldType = (name: string): FieldType | undefined => {
        if (!(name in schema.columns)) return undefined;
        if (schema.guidColumns.has(name)) return "guid";
        const v = schema.columns[name];
        return typeof v === "number" ? "number" : typeof v === "boolean" ? "boolean" : "string";
    };
    try {
        return compileFilter(text, { entityType: schema.entityType, fieldType });
    } catch (err) {
        if (err instanceof FilterError) fail(ctx, 400, "0x80060888", err.message);
        throw err;
    }
}

export interface Expansion {
    navigation: string;
    select?: string;
}

/** Parses $expand=nav($select=a,b),other into navigations with their nested $select. */
export function parseExpand(ctx: RequestContext, schema: TableSchema, text: string | null, navigations: readonly string[]): Expansion[] {
    if (!text) return [];
    const parts: string[] = [];
    let depth = 0;
    let current = "";
    for (const c of text) {
        if (c === "(") depth++;
        if (c === ")") depth--;
        if (c === "," && depth === 0) {
            parts.push(current);
            current = "";
        } else current += c;
    }
    parts.push(current);
    return parts.map((part) => {
        const m = part.trim().match(/^([A-Za-z_]\w*)(?:\((.*)\))?$/);
        if (!m) fail(ctx, 400, "0x80060888", `The query parameter $expand has an invalid value '${text}'.`);
        if (!navigations.includes(m[1])) unknownProperty(ctx, schema, m[1]);
        const options = m[2] ?? "";
        const select = options.match(/^\$select=([^;]*)$/)?.[1];
        if (options && select === undefined) fail(ctx, 400, "0x80060888", `Only $select is supported inside $expand by this emulator, got '${options}'.`);
        return { navigation: m[1], ...(select !== undefined ? { select } : {}) };
    });
}

export function contextFragment(schema: TableSchema, columns: string[] | undefined, entity: boolean): string {
    return `${schema.entitySet}${columns ? `(${columns.join(",")})` : ""}${entity ? "/$entity" : ""}`;
}

/** A collection answer: $top, then server-driven paging honouring Prefer: odata.maxpagesize. */
export function collectionReply(ctx: RequestContext, contextUrl: string, records: Array<Record<string, unknown>>): Reply {
    const prefer = header(ctx, "prefer") ?? "";
    const requested = prefer.match(/odata\.maxpagesize\s*=\s*(\d+)/i);
    const pageSize = requested ? Math.min(Number(requested[1]), DEFAULT_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    const top = ctx.query.get("$top");
    let rows = records;
    if (top !== null) {
        if (!/^\d+$/.test(top))
            fail(ctx, 400, "0x80060888", `Invalid value '${top}' for $top query option found. The $top query option requires a non-negative integer value.`);
        rows = records.slice(0, Number(top));
    }
    const offset = decodeSkipToken(ctx.query.get("$skiptoken"));
    if (offset === undefined) fail(ctx, 400, "0x80060888", "The $skiptoken is invalid or has expired.");
    const page = top !== null ? { items: rows } : pageOf(rows, offset, pageSize);
    const body: Record<string, unknown> = { "@odata.context": contextUrl, value: page.items };
    if ("nextOffset" in page && page.nextOffset !== undefined) body["@odata.nextLink"] = nextLink(ctx.origin, ctx.path, ctx.query, page.nextOffset);
    return ok(ctx, 200, body, requested ? { "Preference-Applied": `odata.maxpagesize=${pageSize}` } : {});
}
