// The shapes every service handler works with: a request context in, a reply out.
import { IncomingMessage } from "http";
import { ServiceName } from "../seed/types";

export interface Reply {
    status: number;
    /** Serialised as JSON unless it is a string; absent = empty body. */
    body?: unknown;
    headers?: Record<string, string>;
}

/** Thrown by handlers to answer at once with an error reply. */
export class HttpError extends Error {
    constructor(readonly reply: Reply) {
        super(`HTTP ${reply.status}`);
    }
}

export interface Caller {
    oid: string;
    appid: string;
    claims: Record<string, unknown>;
}

export interface RequestContext {
    service: ServiceName;
    /** Dataverse: the environment this origin serves. */
    environmentId?: string;
    method: string;
    /** Path with repeated slashes collapsed (clients that join base URLs with "/" send "//v1.0/..."). */
    path: string;
    query: URLSearchParams;
    /** The request target as received: path and query. */
    target: string;
    /** This origin, e.g. https://127.0.0.1:52011 */
    origin: string;
    headers: IncomingMessage["headers"];
    requestId: string;
    caller?: Caller;
    body(): Promise<Buffer>;
}

export function header(ctx: RequestContext, name: string): string | undefined {
    const value = ctx.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
}

/** Reads the body as JSON; a syntax error becomes the given service-shaped reply. */
export async function jsonBody(ctx: RequestContext, invalid: (message: string) => Reply): Promise<unknown> {
    const raw = (await ctx.body()).toString("utf8");
    if (raw.trim() === "") throw new HttpError(invalid("The request body is empty; a JSON object was expected."));
    try {
        return JSON.parse(raw);
    } catch (err) {
        throw new HttpError(invalid(`The request body is not valid JSON: ${(err as Error).message}`));
    }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
