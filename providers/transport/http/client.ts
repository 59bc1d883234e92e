// The one HTTP layer every Graph, BAP and Dataverse call goes through.
//
// - Bearer token per audience from the token source; a 401 drops the token and the
//   call is tried once more with a fresh one (a token can lapse mid-run).
// - Retries on 408, 429, 502, 503, 504 and on connection resets and timeouts. A
//   Retry-After header is honoured (seconds or an HTTP date); otherwise capped
//   exponential backoff with jitter, so parallel resources do not retry in lockstep.
// - An overall deadline per call bounds all attempts and waits together: the token
//   fetch, the wait for a connection slot, each attempt (its timeout is what is left
//   once the slot is held) and the backoffs. A wait the service asks for that would
//   pass the deadline fails at once rather than sleeping first.
// - A refused or unknown host is not retried: the error names the host and the
//   setting that chose it, so a wrong endpoint ends the run at once.
// - At most N requests in flight per host and process (Dataverse refuses more than 52
//   per user); a slot is held only while a request is on the wire, never while backing
//   off (host-limiter.ts).
// - A host whose answer says it is near its limit (Graph's x-ms-throttle-limit-percentage
//   at 0.8 or more) is paced: one request at a time, spaced, until it says less; said
//   once per host in the run's log (host-limiter.ts).
// - Error answers become errors that name the environment, the call, the status, the
//   service's code and words, and a fix (answers.ts).
//
// Paging is in paging.ts. Waiting for something to become true (a user to sync, a
// licence to arrive) is not a transport concern and lives in ../polling.ts.

import { formatSeconds } from "../durations";
import { accessError, redactTokens } from "../errors";
import { HttpSettings } from "../settings/types";
import { TokenSource } from "../tokens";
import { answerError, callLabel, describeWhere, exhausted, isAnswerOrOwnError, networkCode, networkError, parseAnswer, SERVICE_NAMES } from "./answers";
import { createHostLimiter, limitShare } from "./host-limiter";
import { ApiRequest, ApiResponse, HostDescriber, HttpClient } from "./request";

export interface HttpClientOptions {
    readonly settings: HttpSettings;
    readonly tokens: TokenSource;
    readonly log: (message: string) => void;
    readonly userAgent?: string;
    /** The setting that chose a host ("AZURE_AUTHORITY_HOST"), named when the host cannot be reached. */
    readonly describeHost?: HostDescriber;
}

const RETRYABLE_STATUSES = [408, 429, 502, 503, 504];
/** Network failures worth another attempt: the connection dropped or stalled. */
const TRANSIENT_NETWORK_CODES = ["ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "EPIPE", "EAI_AGAIN", "ESOCKETTIMEDOUT", "ERR_SOCKET_CONNECTION_TIMEOUT"];
/** Waits at least this long are worth a progress line. */
const LOGGED_WAIT_MS = 2_000;

export function createHttpClient(options: HttpClientOptions): HttpClient {
    const axios = require("axios");
    const https = require("https");
    const http = require("http");
    const { settings, tokens, log } = options;
    // Keep-alive saves a TLS handshake per call; a dropped idle socket surfaces as
    // ECONNRESET, which is retried.
    const client = axios.create({
        validateStatus: () => true,
        maxRedirects: 0,
        httpsAgent: new https.Agent({ keepAlive: true }),
        httpAgent: new http.Agent({ keepAlive: true }),
        transitional: { clarifyTimeoutError: true, silentJSONParsing: true },
        proxy: false,
    });
    const limiter = createHostLimiter(settings.maxConcurrentRequestsPerHost);

    /** One attempt; the slot wait counts against the deadline, and the attempt gets what is left of it. */
    async function attempt(request: ApiRequest, token: string | undefined, deadline: number, attemptNumber: number) {
        const headers: Record<string, string> = {
            Accept: "application/json",
            "User-Agent": options.userAgent ?? "d365-backup-access",
            ...request.headers,
        };
        if (token) headers.Authorization = `Bearer ${token}`;
        if (request.body !== undefined) headers["Content-Type"] = "application/json";
        const host = new URL(request.url).host;
        if (!(await limiter.acquire(host, deadline))) {
            throw exhausted(request, attemptNumber, "the request deadline passed while waiting for a connection slot", settings);
        }
        try {
            const remaining = deadline - Date.now();
            if (remaining <= 0) throw exhausted(request, attemptNumber, "the request deadline passed while waiting for a connection slot", settings);
            return await client.request({
                method: request.method,
                url: request.url,
                headers,
                data: request.body === undefined ? undefined : JSON.stringify(request.body),
                timeout: Math.min(settings.attemptTimeoutMs, remaining),
                responseType: "json",
            });
        } finally {
            limiter.release(host);
        }
    }

    return {
        async send<T>(request: ApiRequest): Promise<ApiResponse<T>> {
            if (settings.readOnly && request.method !== "GET") {
                throw accessError("configuration", {
                    what: `This run is read-only (a refresh, a preview, or D365BA_READ_ONLY), so ${request.call} was not sent`,
                    environmentId: request.environmentId,
                    call: callLabel(request),
                    fix: "a read-only run only reads the tenant; run `pulumi up` (without D365BA_READ_ONLY) to change it.",
                });
            }
            const deadline = Date.now() + settings.requestDeadlineMs;
            let retriedWithFreshToken = false;
            let lastProblem = "";
            for (let attemptNumber = 1; ; attemptNumber++) {
                const token = request.audience ? await tokens.get(request.audience, { deadline }) : undefined;
                let delayMs: number;
                try {
                    const response = await attempt(request, token, deadline, attemptNumber);
                    const status: number = response.status;
                    const responseHeaders = flattenHeaders(response.headers);
                    const host = new URL(request.url).host;
                    const share = limitShare(responseHeaders["x-ms-throttle-limit-percentage"]);
                    if (limiter.report(host, share)) {
                        log(
                            `${SERVICE_NAMES[request.service]} at ${host} reports ${Math.round(share! * 100)} % of its request limit used ` +
                                `(x-ms-throttle-limit-percentage): its requests now go one at a time, at least ${formatSeconds(limiter.pacing(host)!)} apart, ` +
                                `until it reports less.`,
                        );
                    }
                    if ((status >= 200 && status < 300) || request.expect?.includes(status)) {
                        return { status, headers: responseHeaders, body: response.data as T };
                    }
                    const answer = parseAnswer(status, response.data);
                    if (status === 401 && token && !retriedWithFreshToken) {
                        // The token lapsed or was revoked: sign in again, once.
                        tokens.invalidate(request.audience!, token);
                        retriedWithFreshToken = true;
                        continue;
                    }
                    if (!RETRYABLE_STATUSES.includes(status)) throw answerError(request, answer);
                    lastProblem = `HTTP ${status}${answer.code ? ` ${answer.code}` : ""}${answer.message ? `: ${answer.message}` : ""}`;
                    const retryAfter = retryAfterMs(responseHeaders);
                    if (retryAfter !== undefined && Date.now() + retryAfter > deadline) {
                        throw exhausted(
                            request,
                            attemptNumber,
                            `${lastProblem}; the service asked to wait ${formatSeconds(retryAfter)}, past the request deadline`,
                            settings,
                        );
                    }
                    // "Retry-After: 0" is no licence to hammer: back off as if it were absent.
                    delayMs = retryAfter ? retryAfter : backoffMs(attemptNumber, settings);
                } catch (error) {
                    if (isAnswerOrOwnError(error)) throw error;
                    const code = networkCode(error);
                    if (!code || !TRANSIENT_NETWORK_CODES.includes(code)) throw networkError(request, error, options.describeHost);
                    lastProblem = `connection failed (${code})`;
                    delayMs = backoffMs(attemptNumber, settings);
                }
                if (attemptNumber >= settings.maxAttempts || Date.now() + delayMs > deadline) {
                    throw exhausted(request, attemptNumber, lastProblem, settings);
                }
                if (delayMs >= LOGGED_WAIT_MS) {
                    log(
                        `${describeWhere(request)}${request.call}: ${redactTokens(lastProblem)}; retrying in ${formatSeconds(delayMs)} (attempt ${attemptNumber + 1} of at most ${settings.maxAttempts}).`,
                    );
                }
                await sleep(delayMs);
            }
        },
    };
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff, capped, with half of it random ("equal jitter"). */
export function backoffMs(attemptNumber: number, settings: Pick<HttpSettings, "retryBaseDelayMs" | "retryMaxDelayMs">): number {
    const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** (attemptNumber - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Retry-After as milliseconds: delta-seconds (fractions tolerated) or an HTTP date. */
export function retryAfterMs(headers: Readonly<Record<string, string>>): number | undefined {
    const value = headers["retry-after"];
    if (value === undefined || value.trim() === "") return undefined;
    const seconds = Number(value.trim());
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
    return undefined;
}

function flattenHeaders(headers: unknown): Record<string, string> {
    const flat: Record<string, string> = {};
    const source = headers && typeof (headers as { toJSON?: unknown }).toJSON === "function" ? (headers as { toJSON(): object }).toJSON() : headers;
    for (const [name, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
        if (value === undefined || value === null) continue;
        flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    }
    return flat;
}
