// HTTPS with the retries the real provider's HTTP stack makes: throttling (429) and
// transient gateway answers (502, 503, 504) are retried, honouring Retry-After;
// dropped or refused connections are retried with exponential backoff. Every call is
// bounded by a deadline, so a service that never recovers ends in an error.
//
// Written here rather than borrowed from the project's own clients: the stand-in is a
// test oracle for the program, and must not share the code it helps to test.

import * as http from "http";
import * as https from "https";

export interface HttpResponse {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    /** Parsed JSON, or the raw text when the body is not JSON; undefined when empty. */
    readonly body: unknown;
}

export interface HttpRequest {
    readonly method: "GET" | "POST" | "PATCH" | "DELETE";
    readonly url: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: unknown;
}

export interface RetryPolicy {
    readonly maxAttempts: number;
    /** Absolute time (ms since epoch) after which no further attempt starts. */
    readonly deadline: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    readonly attemptTimeoutMs: number;
}

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ECONNABORTED"]);

const agents = { "https:": new https.Agent({ keepAlive: true }), "http:": new http.Agent({ keepAlive: true }) };

export class NetworkError extends Error {
    constructor(
        message: string,
        readonly code: string | undefined,
    ) {
        super(message);
        this.name = "NetworkError";
    }
}

/** One attempt, no retries. */
export function sendOnce(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
    const url = new URL(request.url);
    const transport = url.protocol === "http:" ? http : https;
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), "utf8");
    const headers: Record<string, string> = { Accept: "application/json", ...request.headers };
    if (payload) {
        headers["Content-Type"] = "application/json";
        headers["Content-Length"] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
        const req = transport.request(
            url,
            { method: request.method, headers, agent: agents[url.protocol as "https:" | "http:"], timeout: timeoutMs },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (chunk: Buffer) => chunks.push(chunk));
                res.on("error", (error: NodeJS.ErrnoException) => reject(new NetworkError(error.message, error.code ?? "ECONNRESET")));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let body: unknown = undefined;
                    if (text !== "") {
                        try {
                            body = JSON.parse(text);
                        } catch {
                            body = text;
                        }
                    }
                    const flat: Record<string, string> = {};
                    for (const [name, value] of Object.entries(res.headers)) {
                        if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
                    }
                    resolve({ status: res.statusCode ?? 0, headers: flat, body });
                });
            },
        );
        req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
        req.on("error", (error: NodeJS.ErrnoException) => {
            // "socket hang up" (the server closed the connection without answering) has code ECONNRESET.
            reject(new NetworkError(`${request.method} ${url.origin}${url.pathname}: ${error.message}`, error.code));
        });
        if (payload) req.write(payload);
        req.end();
    });
}

function retryAfterMs(headers: Readonly<Record<string, string>>): number | undefined {
    const value = headers["retry-after"];
    if (!value) return undefined;
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends with retries. Any answer that is not retryable (success or error) is returned
 * to the caller, who decides what it means; only exhausted retries throw.
 */
export async function send(request: HttpRequest, policy: RetryPolicy): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
        let delayMs: number;
        try {
            const timeout = Math.max(1, Math.min(policy.attemptTimeoutMs, policy.deadline - Date.now()));
            const response = await sendOnce(request, timeout);
            if (!RETRYABLE_STATUSES.has(response.status)) return response;
            const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
            delayMs = retryAfterMs(response.headers) || backoff;
            if (attempt >= policy.maxAttempts || Date.now() + delayMs > policy.deadline) return response;
        } catch (error) {
            if (!(error instanceof NetworkError) || !error.code || !RETRYABLE_NETWORK_CODES.has(error.code)) throw error;
            delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
            if (attempt >= policy.maxAttempts || Date.now() + delayMs > policy.deadline) {
                throw new NetworkError(`giving up after ${attempt} attempts: ${error.message}`, error.code);
            }
        }
        await sleep(delayMs);
    }
}
