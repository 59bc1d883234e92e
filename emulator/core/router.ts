// Method + path-pattern routing for the service handlers.
import { Reply, RequestContext } from "./http";

export type RouteHandler = (ctx: RequestContext, match: RegExpMatchArray) => Promise<Reply> | Reply;

export interface Route {
    method: string;
    pattern: RegExp;
    handle: RouteHandler;
}

export function route(method: string, pattern: RegExp, handle: RouteHandler): Route {
    return { method, pattern, handle };
}

export type Dispatch = { kind: "reply"; reply: Promise<Reply> | Reply } | { kind: "method-not-allowed"; allowed: string[] } | { kind: "unknown" };

export function dispatch(routes: readonly Route[], ctx: RequestContext): Dispatch {
    const allowed: string[] = [];
    for (const r of routes) {
        const match = ctx.path.match(r.pattern);
        if (!match) continue;
        if (r.method === ctx.method) return { kind: "reply", reply: r.handle(ctx, match) };
        allowed.push(r.method);
    }
    return allowed.length > 0 ? { kind: "method-not-allowed", allowed } : { kind: "unknown" };
}
