// One HTTPS origin (one port) and the path every request takes through it:
//
//   /_emulator/* inspection routes (answered at once, not logged)
//   -> injected faults (delay, dropped connection, error status)
//   -> bearer token check (resource services)
//   -> service protection (throttling, concurrency)
//   -> per-call latency -> the service's handler
//
// Latency is spent while the request is admitted, so it counts towards in-flight
// concurrency the way server-side execution time does.
import * as https from "https";
import { IncomingMessage, ServerResponse } from "http";
import { AddressInfo } from "net";
import { randomUUID } from "crypto";
import { ServiceName } from "../seed/types";
import { FaultRegistry, ActiveFault } from "./faults";
import { HttpError, Reply, RequestContext } from "./http";
import { RequestLog } from "./request-log";
import { Random, sampleLatency, sleep } from "./random";
import { LatencySeed } from "../seed/types";
import { peekClaims } from "../auth/tokens";

/** Admitted (headers, if any, go on the answer, whatever it is) or refused with a reply. */
export type Admission = { release: () => void; headers?: Record<string, string> } | { reject: Reply; note: string };

export interface ServiceHandler {
    readonly name: ServiceName;
    readonly environmentId?: string;
    /** The service's own error reply (body shape and headers) for a status. */
    errorReply(ctx: RequestContext, status: number, code?: string, message?: string): Reply;
    /** Checks the caller (sets ctx.caller); an error reply when the request must stop. */
    authenticate?(ctx: RequestContext): Reply | undefined;
    /** Service protection limits. */
    admit?(ctx: RequestContext): Admission;
    handle(ctx: RequestContext): Promise<Reply>;
    /** Content type of JSON bodies. */
    readonly contentType: string;
}

export interface OriginShared {
    faults: FaultRegistry;
    requestLog: RequestLog;
    random: Random;
    latency: () => LatencySeed;
    inspect: (ctx: RequestContext) => Promise<Reply | undefined>;
    /** Where loud messages (unknown routes, handler crashes) go. */
    warn: (message: string) => void;
}

export interface RunningOrigin {
    url: string;
    port: number;
    close(): Promise<void>;
}

export async function startOrigin(service: ServiceHandler, shared: OriginShared, tls: { certPem: string; keyPem: string }): Promise<RunningOrigin> {
    let origin = "";
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        handleRequest(service, shared, origin, req, res).catch((err) => {
            shared.warn(`[emulator] ${service.name}: internal error: ${err instanceof Error ? err.stack : String(err)}`);
            if (!res.headersSent) res.writeHead(500).end();
        });
    });
    // Clients of the real services keep connections alive; so do we, but never hold stop() up.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    origin = `https://127.0.0.1:${port}`;
    return {
        url: origin,
        port,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

function requestContext(service: ServiceHandler, origin: string, req: IncomingMessage): RequestContext {
    const target = req.url ?? "/";
    const url = new URL(target, origin);
    let body: Promise<Buffer> | undefined;
    return {
        service: service.name,
        ...(service.environmentId ? { environmentId: service.environmentId } : {}),
        method: (req.method ?? "GET").toUpperCase(),
        path: url.pathname.replace(/\/{2,}/g, "/"),
        query: url.searchParams,
        target,
        origin,
        headers: req.headers,
        requestId: randomUUID(),
        body: () =>
            (body ??= new Promise((resolve, reject) => {
                const chunks: Buffer[] = [];
                req.on("data", (c: Buffer) => chunks.push(c));
                req.on("end", () => resolve(Buffer.concat(chunks)));
                req.on("error", reject);
            })),
    };
}

function faultReply(service: ServiceHandler, ctx: RequestContext, fault: ActiveFault): Reply {
    const reply = service.errorReply(ctx, fault.status as number, fault.code, fault.message);
    if (fault.retryAfterSeconds !== undefined) reply.headers = { ...reply.headers, "Retry-After": String(fault.retryAfterSeconds) };
    return reply;
}

async function handleRequest(service: ServiceHandler, shared: OriginShared, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx = requestContext(service, origin, req);
    const startMs = Date.now();

    const inspection = await shared.inspect(ctx);
    if (inspection) {
        write(res, service, inspection);
        return;
    }

    const claims = peekClaims(String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
    const caller = claims && typeof claims.oid === "string" ? { oid: claims.oid, appid: String(claims.appid ?? "") } : null;
    const record = (status: number, note?: string) =>
        shared.requestLog.record({
            service: service.name,
            ...(service.environmentId ? { environmentId: service.environmentId } : {}),
            method: ctx.method,
            path: ctx.target,
            caller,
            status,
            startMs,
            endMs: Date.now(),
            ...(note ? { note } : {}),
        });

    const fault = shared.faults.take(service.name, ctx.method, ctx.target);
    if (fault) {
        await sleep(fault.delayMs ?? 0);
        if (fault.drop) {
            req.socket.destroy();
            record(0, `fault ${fault.id}: connection dropped`);
            return;
        }
        if (fault.status !== undefined) {
            const reply = faultReply(service, ctx, fault);
            write(res, service, reply);
            record(reply.status, `fault ${fault.id}`);
            return;
        }
    }

    const denied = service.authenticate?.(ctx);
    if (denied) {
        write(res, service, denied);
        record(denied.status, "authentication failed");
        return;
    }

    const admission = service.admit?.(ctx) ?? { release: () => undefined };
    if ("reject" in admission) {
        write(res, service, admission.reject);
        record(admission.reject.status, admission.note);
        return;
    }
    try {
        await sleep(sampleLatency(shared.latency(), shared.random));
        let reply: Reply;
        try {
            reply = await service.handle(ctx);
        } catch (err) {
            if (!(err instanceof HttpError)) throw err;
            reply = err.reply;
        }
        write(res, service, admission.headers ? { ...reply, headers: { ...admission.headers, ...reply.headers } } : reply);
        record(reply.status);
    } catch (err) {
        shared.warn(`[emulator] ${service.name} ${ctx.method} ${ctx.target}: handler crashed: ${err instanceof Error ? err.stack : String(err)}`);
        const reply = service.errorReply(ctx, 500, undefined, "The emulator failed to handle this request; see its standard error.");
        write(res, service, reply);
        record(500, "emulator error");
    } finally {
        admission.release();
    }
}

function write(res: ServerResponse, service: ServiceHandler, reply: Reply): void {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    let payload: string | undefined;
    if (reply.body !== undefined) {
        payload = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = service.contentType;
    }
    headers["Content-Length"] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
}
