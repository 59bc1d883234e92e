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
//   per user); a slot is held only while a request is on the wire, never while backing off.
// - Error answers become errors that name the environment, the call, the status, the
//   service's code and words, and a fix.
//
// Waiting for something to become true (a user to sync, a licence to arrive) is not
// a transport concern and lives in polling.ts.

import { AccessErrorKind, accessError, messageOf, redactTokens } from "./errors";
import { HttpSettings } from "./settings/types";
import { TokenSource } from "./tokens";

export type Service = "graph" | "bap" | "dataverse" | "metadata" | "login";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** An error answer, as the `explain` hook of a request sees it. */
export interface ApiAnswer {
    readonly status: number;
    /** The service's error code ("0x80040220", "userNotLicensed", "Authorization_RequestDenied"). */
    readonly code?: string;
    /** The service's error text. */
    readonly message: string;
}

export interface Explanation {
    readonly fix: string;
    readonly kind?: AccessErrorKind;
    /** Replaces the default "… failed" sentence. */
    readonly what?: string;
    /** For an environment-unavailable refusal: why the environment cannot be served (a SkipReasonCode). */
    readonly reasonCode?: string;
}

export interface ApiRequest {
    readonly service: Service;
    readonly method: HttpMethod;
    readonly url: string;
    /** Token audience; omit for unauthenticated calls. */
    readonly audience?: string;
    readonly body?: unknown;
    readonly headers?: Readonly<Record<string, string>>;
    /** What the call does, for messages, e.g. "BAP addUser". */
    readonly call: string;
    readonly environmentId?: string;
    /** Error statuses handed back to the caller instead of raised, e.g. 404 for "not there". */
    readonly expect?: readonly number[];
    /** Names the fix for an error answer; generic advice per status applies otherwise. */
    readonly explain?: (answer: ApiAnswer) => Explanation | undefined;
}

export interface ApiResponse<T = any> {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: T;
}

export interface HttpClient {
    send<T = any>(request: ApiRequest): Promise<ApiResponse<T>>;
}

export interface HttpClientOptions {
    readonly settings: HttpSettings;
    readonly tokens: TokenSource;
    readonly log: (message: string) => void;
    readonly userAgent?: string;
    /** The setting that chose a host ("AZURE_AUTHORITY_HOST"), named when the host cannot be reached. */
    readonly describeHost?: (host: string, service: Service) => string | undefined;
}

const RETRYABLE_STATUSES = [408, 429, 502, 503, 504];
/** Network failures worth another attempt: the connection dropped or stalled. */
const TRANSIENT_NETWORK_CODES = ["ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "EPIPE", "EAI_AGAIN", "ESOCKETTIMEDOUT", "ERR_SOCKET_CONNECTION_TIMEOUT"];
/** Waits at least this long are worth a progress line. */
const LOGGED_WAIT_MS = 2_000;

const SERVICE_NAMES: Record<Service, string> = {
    graph: "Microsoft Graph",
    bap: "Power Platform admin API (BAP)",
    dataverse: "Dataverse",
    metadata: "cloud metadata endpoint",
    login: "Entra sign-in endpoint",
};

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
                        throw exhausted(request, attemptNumber, `${lastProblem}; the service asked to wait ${formatSeconds(retryAfter)}, past the request deadline`, settings);
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
                    log(`${describeWhere(request)}${request.call}: ${redactTokens(lastProblem)}; retrying in ${formatSeconds(delayMs)} (attempt ${attemptNumber + 1} of at most ${settings.maxAttempts}).`);
                }
                await sleep(delayMs);
            }
        },
    };
}

type HostSlots = Map<string, { active: number; waiting: (() => void)[] }>;

/**
 * The slots are shared by every client in the process (kept on globalThis): the
 * provider host runs both providers, each with its own context, and the bound is
 * meant per host, not per provider.
 */
function processHostSlots(): HostSlots {
    const holder = globalThis as unknown as Record<symbol, HostSlots | undefined>;
    const key = Symbol.for("d365-backup-access.host-slots.v1");
    let slots = holder[key];
    if (!slots) {
        slots = new Map();
        holder[key] = slots;
    }
    return slots;
}

/** Counting semaphore per host. */
function createHostLimiter(max: number) {
    const hosts = processHostSlots();
    return {
        /** Takes a slot; false when `deadline` (epoch ms) passed first, and then no slot is held. */
        async acquire(host: string, deadline: number): Promise<boolean> {
            let slot = hosts.get(host);
            if (!slot) {
                slot = { active: 0, waiting: [] };
                hosts.set(host, slot);
            }
            if (slot.active < max) {
                slot.active++;
                return true;
            }
            // release() hands its slot straight to the next waiter, so `active` stays put.
            const waiting = slot.waiting;
            return new Promise<boolean>((resolve) => {
                // Declared before the waiter that clears it: Pulumi's closure serializer
                // (a copy of this code serialized into state by earlier versions) cannot
                // capture a variable used before its declaration.
                let timer: ReturnType<typeof setTimeout> | undefined = undefined;
                const waiter = () => {
                    clearTimeout(timer);
                    resolve(true);
                };
                timer = setTimeout(() => {
                    // Leave the queue, so no slot is ever handed to a caller that gave up.
                    const index = waiting.indexOf(waiter);
                    if (index >= 0) waiting.splice(index, 1);
                    resolve(false);
                }, Math.max(0, deadline - Date.now()));
                waiting.push(waiter);
            });
        },
        release(host: string): void {
            const slot = hosts.get(host);
            if (!slot) return;
            const next = slot.waiting.shift();
            if (next) next();
            else slot.active--;
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

/** Reads the {"error":{"code","message"}} shape Graph, BAP and Dataverse share; anything else as text. */
export function parseAnswer(status: number, body: unknown): ApiAnswer {
    let parsed = body;
    if (typeof body === "string") {
        try {
            parsed = JSON.parse(body);
        } catch {
            parsed = body;
        }
    }
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (error && typeof error === "object") {
        return {
            status,
            code: typeof error.code === "string" ? error.code : undefined,
            message: typeof error.message === "string" ? error.message : JSON.stringify(error),
        };
    }
    if (typeof parsed === "string") {
        return { status, message: parsed.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300) };
    }
    return { status, message: parsed === undefined || parsed === "" ? "" : JSON.stringify(parsed).slice(0, 300) };
}

function describeWhere(request: ApiRequest): string {
    return request.environmentId ? `Environment ${request.environmentId}: ` : "";
}

/** The call as messages name it: what it does, its method and URL without the query. */
export function callLabel(request: ApiRequest): string {
    const url = new URL(request.url);
    return `${request.call}: ${request.method} ${url.origin}${url.pathname}`;
}

function genericFix(request: ApiRequest, answer: ApiAnswer): string {
    switch (answer.status) {
        case 400:
            return "the request was refused as invalid; check the ids in the stack configuration.";
        case 401:
            return (
                `the token for ${request.audience ?? "this service"} was refused; check that d365-backup-access:cloud and the ` +
                `endpoint settings match the tenant's cloud and that azuread:tenantId names the tenant that owns the environments.`
            );
        case 403:
            return "the operator lacks a permission this call needs; see the operator permissions in the providers' README.";
        case 404:
            return "it does not exist (any more); check the id, or run `pulumi refresh` if it was removed outside Pulumi.";
        default:
            return "run again; if it persists, the service's message above says why.";
    }
}

/** The error for an error answer: the request's explanation if it has one, generic advice otherwise. */
export function answerError(request: ApiRequest, answer: ApiAnswer) {
    const explained = request.explain?.(answer);
    return accessError(explained?.kind ?? "api", {
        what: explained?.what ?? `${SERVICE_NAMES[request.service]} refused ${request.call}${answer.message ? `: ${answer.message}` : ""}`,
        environmentId: request.environmentId,
        reasonCode: explained?.reasonCode,
        call: callLabel(request),
        status: answer.status,
        code: answer.code,
        fix: explained?.fix ?? genericFix(request, answer),
    });
}

function exhausted(request: ApiRequest, attempts: number, problem: string, settings: HttpSettings) {
    return accessError("retries-exhausted", {
        what: `${SERVICE_NAMES[request.service]} did not answer ${request.call} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${problem}`,
        environmentId: request.environmentId,
        call: callLabel(request),
        fix:
            `the service is throttling or unavailable; run again later. Requests give up after ` +
            `${formatSeconds(settings.requestDeadlineMs)} (d365-backup-access:requestTimeoutSeconds); fewer parallel requests ` +
            `(d365-backup-access:maxConcurrentRequestsPerHost, pulumi up --parallel) ease throttling.`,
    });
}

function networkError(request: ApiRequest, error: unknown, describeHost?: HttpClientOptions["describeHost"]) {
    const code = networkCode(error);
    const tls = code !== undefined && /CERT|SELF_SIGNED|TLS|SSL/.test(code);
    const host = new URL(request.url).host;
    const setting = describeHost?.(host, request.service);
    return accessError("api", {
        what: `Cannot reach the ${SERVICE_NAMES[request.service]} at ${host}${setting ? `, from ${setting},` : ""} for ${request.call}: ${messageOf(error)}`,
        environmentId: request.environmentId,
        call: callLabel(request),
        code,
        fix: tls
            ? "the server's certificate is not trusted; for a private CA set NODE_EXTRA_CA_CERTS to its certificate file before starting Pulumi."
            : setting
              ? `check that ${setting} names a host that is up and reachable from here, and the network.`
              : "check the network and the endpoint settings (d365-backup-access:endpoints, D365BA_BAP_URL, D365BA_GRAPH_URL, AZURE_AUTHORITY_HOST).",
    });
}

function networkCode(error: unknown): string | undefined {
    const code = (error as { code?: unknown })?.code;
    return typeof code === "string" ? code : undefined;
}

function isAnswerOrOwnError(error: unknown): boolean {
    return (error as { name?: unknown })?.name === "D365BackupAccessError";
}

export function formatSeconds(ms: number): string {
    const seconds = ms / 1000;
    return `${seconds < 10 ? seconds.toFixed(1).replace(/\.0$/, "") : Math.round(seconds)} s`;
}

/**
 * Follows a paged list to its end. BAP pages with "nextLink", OData services with
 * "@odata.nextLink"; either is followed unchanged, but only to the same origin, so a
 * malformed link cannot carry the token to another host.
 */
export async function getAllPages<T>(
    http: HttpClient,
    first: ApiRequest,
    nextLinkField: "nextLink" | "@odata.nextLink",
    maxPages = 1000,
): Promise<T[]> {
    const items: T[] = [];
    const origin = new URL(first.url).origin;
    const seen = new Set<string>();
    let url: string | undefined = first.url;
    for (let page = 1; url; page++) {
        if (page > maxPages || seen.has(url)) {
            throw accessError("api", {
                what: `${SERVICE_NAMES[first.service]} kept returning pages for ${first.call} (${page - 1} read); stopped to avoid a loop`,
                environmentId: first.environmentId,
                call: callLabel(first),
                fix: "run again; if it persists, report the paging behaviour.",
            });
        }
        seen.add(url);
        const response: ApiResponse<Record<string, unknown>> = await http.send<Record<string, unknown>>({ ...first, url });
        const value = response.body?.value;
        if (!Array.isArray(value)) {
            throw accessError("api", {
                what: `${SERVICE_NAMES[first.service]} answered ${first.call} without a "value" list`,
                environmentId: first.environmentId,
                call: callLabel(first),
                fix: "check the endpoint settings: the URL may point at something other than the expected API.",
            });
        }
        items.push(...(value as T[]));
        const next = response.body?.[nextLinkField];
        url = typeof next === "string" && next !== "" ? next : undefined;
        if (url !== undefined && new URL(url, origin).origin !== origin) {
            throw accessError("api", {
                what: `${SERVICE_NAMES[first.service]} sent a next-page link to another host (${new URL(url, origin).origin}) for ${first.call}; not followed`,
                environmentId: first.environmentId,
                call: callLabel(first),
                fix: "check the endpoint settings; a proxy or gateway may be rewriting responses.",
            });
        }
        if (url !== undefined) url = new URL(url, origin).toString();
    }
    return items;
}
