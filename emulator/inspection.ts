// The /_emulator routes, served on every origin (login, Graph, BAP and each Dataverse
// environment), unauthenticated, never logged and never subject to faults or latency:
//   GET    /_emulator/state            the tenant now, in the seed's schema
//   GET    /_emulator/requests?since=N the request log (entries with seq > N)
//   DELETE /_emulator/requests         empties the request log
//   GET    /_emulator/faults           active faults, with how often each was applied
//   POST   /_emulator/faults           adds a fault (or an array of faults)
//   DELETE /_emulator/faults[/{id}]    removes one fault, or all
//   GET    /_emulator/clock            the clock of time-bound role assignments
//   POST   /_emulator/clock            {"advanceSeconds": n} moves it forward
//   DELETE /_emulator/environments/{id} deletes an environment (BAP 404, Dataverse refuses)
//   POST   /_emulator/environments/{id}/create  a seeded environment with createAfterRequests exists now
import { Reply, RequestContext } from "./core/http";
import { FaultRegistry } from "./core/faults";
import { RequestLog } from "./core/request-log";
import { Seed } from "./seed/types";
import { SeedError, validateFault } from "./seed/validate";

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };

function reply(status: number, body?: unknown): Reply {
    return body === undefined ? { status } : { status, body, headers: JSON_TYPE };
}

function problem(status: number, code: string, message: string): Reply {
    return reply(status, { error: { code, message } });
}

/** A request's JSON body, or the 400 answer saying it is not JSON. */
async function jsonOf(ctx: RequestContext): Promise<{ value: unknown } | { invalid: Reply }> {
    try {
        return { value: JSON.parse((await ctx.body()).toString("utf8")) };
    } catch (err) {
        return { invalid: problem(400, "InvalidJson", `The body is not JSON: ${(err as Error).message}`) };
    }
}

export function inspectionHandler(parts: {
    state: () => Seed;
    requestLog: RequestLog;
    faults: FaultRegistry;
    clock: { now: () => number; advance: (ms: number) => number };
    deleteEnvironment: (id: string) => boolean;
    createEnvironment: (id: string) => boolean;
}) {
    const clockReply = (now: number) => reply(200, { now: new Date(now).toISOString() });
    return async (ctx: RequestContext): Promise<Reply | undefined> => {
        if (!ctx.path.startsWith("/_emulator/") && ctx.path !== "/_emulator") return undefined;
        const key = `${ctx.method} ${ctx.path.replace(/\/+$/, "")}`;
        switch (key) {
            case "GET /_emulator/state":
                return reply(200, parts.state());
            case "GET /_emulator/requests": {
                const since = Number(ctx.query.get("since") ?? 0);
                if (!Number.isInteger(since) || since < 0)
                    return problem(400, "InvalidQuery", `since must be a non-negative integer, got '${ctx.query.get("since")}'.`);
                return reply(200, { value: parts.requestLog.list(since) });
            }
            case "DELETE /_emulator/requests":
                parts.requestLog.clear();
                return reply(204);
            case "GET /_emulator/faults":
                return reply(200, { value: parts.faults.list() });
            case "POST /_emulator/faults": {
                const body = await jsonOf(ctx);
                if ("invalid" in body) return body.invalid;
                try {
                    const faults = (Array.isArray(body.value) ? body.value : [body.value]).map(validateFault);
                    return reply(201, { value: faults.map((f) => parts.faults.add(f)) });
                } catch (err) {
                    if (err instanceof SeedError) return problem(400, "InvalidFault", err.message);
                    throw err;
                }
            }
            case "DELETE /_emulator/faults":
                parts.faults.clear();
                return reply(204);
            case "GET /_emulator/clock":
                return clockReply(parts.clock.now());
            case "POST /_emulator/clock": {
                const body = await jsonOf(ctx);
                if ("invalid" in body) return body.invalid;
                const seconds = (body.value as { advanceSeconds?: unknown })?.advanceSeconds;
                if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
                    return problem(400, "InvalidClock", `advanceSeconds must be a number of seconds, 0 or more; got ${JSON.stringify(seconds)}.`);
                }
                return clockReply(parts.clock.advance(seconds * 1000));
            }
        }
        const environment = ctx.path.match(/^\/_emulator\/environments\/([^/]+)\/?$/);
        if (environment && ctx.method === "DELETE") {
            const id = decodeURIComponent(environment[1]);
            return parts.deleteEnvironment(id)
                ? reply(204)
                : problem(404, "EnvironmentNotFound", `No environment with id '${id}' (already deleted, or never seeded).`);
        }
        const created = ctx.path.match(/^\/_emulator\/environments\/([^/]+)\/create\/?$/);
        if (created && ctx.method === "POST") {
            const id = decodeURIComponent(created[1]);
            return parts.createEnvironment(id)
                ? reply(204)
                : problem(
                      404,
                      "EnvironmentNotWaiting",
                      `No seeded environment with id '${id}' is waiting to be created (createAfterRequests): it exists already, or was never seeded.`,
                  );
        }
        const one = ctx.path.match(/^\/_emulator\/faults\/([^/]+)$/);
        if (one && ctx.method === "DELETE")
            return parts.faults.remove(decodeURIComponent(one[1])) ? reply(204) : problem(404, "FaultNotFound", `No active fault with id '${one[1]}'.`);
        return problem(404, "NotFound", `${ctx.method} ${ctx.path} is not an emulator inspection route (see emulator/README.md).`);
    };
}
