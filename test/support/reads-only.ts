// Reads never write: every `pulumi preview` and `pulumi refresh` of the end-to-end
// suite (and every fleet command that only previews) is checked against the tenant
// emulator's request log. Only GET requests may reach Graph, BAP and Dataverse while
// such a command runs; the sign-in endpoint may be posted to (tokens).
//
// The log is read over the emulator's /_emulator/requests route, which every origin
// serves, so a check needs nothing but the sign-in URL the command was pointed at.

import * as https from "https";

export interface LoggedRequest {
    readonly seq: number;
    readonly service: string;
    readonly method: string;
    readonly path: string;
    readonly status: number;
}

/** The Pulumi commands that must only read the tenant. */
export function onlyReads(args: readonly string[]): boolean {
    return args[0] === "preview" || args[0] === "refresh";
}

function requestsSince(origin: string, since: number): Promise<LoggedRequest[]> {
    return new Promise((resolve, reject) => {
        https
            .get(`${origin}/_emulator/requests?since=${since}`, (response) => {
                let body = "";
                response.setEncoding("utf8");
                response.on("data", (chunk) => (body += chunk));
                response.on("end", () => {
                    if (response.statusCode !== 200) return reject(new Error(`${origin}/_emulator/requests answered ${response.statusCode}: ${body}`));
                    resolve((JSON.parse(body) as { value: LoggedRequest[] }).value);
                });
            })
            .on("error", reject);
    });
}

/**
 * Where a tenant emulator keeps its log: the origin of the sign-in URL the command is
 * pointed at. Throws when that is not an emulator's (no AZURE_AUTHORITY_HOST, or not on
 * 127.0.0.1): a check that cannot find the log must fail, not pass unseen.
 */
export function emulatorOrigin(env: Readonly<Record<string, string | undefined>>): string {
    const login = env.AZURE_AUTHORITY_HOST;
    const url = login && URL.canParse(login) ? new URL(login) : undefined;
    if (!url || url.hostname !== "127.0.0.1") {
        throw new Error(
            `The reads-only check finds no tenant emulator: AZURE_AUTHORITY_HOST is ${login ? JSON.stringify(login) : "not set"}, ` +
                `expected the emulator's sign-in URL on 127.0.0.1. Fix: give the command the emulator's variables (emulator.env).`,
        );
    }
    return url.origin;
}

/** The requests a read-only command must not have sent: anything but GET, sign-in aside. */
export function writesAmong(requests: readonly LoggedRequest[]): LoggedRequest[] {
    return requests.filter((request) => request.service !== "login" && request.method !== "GET");
}

/**
 * Runs `command` and fails when it sent anything but GET to a tenant emulator behind
 * `origins`. Fails too, before running the command, when there is no emulator to watch
 * or its log cannot be read: a check that sees nothing proves nothing. (A test that
 * stops an emulator runs its read-only commands before that.)
 */
export async function expectOnlyReads<T>(what: string, origins: readonly string[], command: () => Promise<T>): Promise<T> {
    if (origins.length === 0)
        throw new Error(`${what}: the reads-only check was given no tenant emulator to watch. Fix: pass the origin of every emulator the command talks to.`);
    const watched: { origin: string; since: number }[] = [];
    for (const origin of new Set(origins)) {
        const before = await requestsSince(origin, 0).catch((error: Error) => {
            throw new Error(
                `${what}: the reads-only check cannot read the request log of the emulator at ${origin} (${error.message}). Fix: run the command while that emulator runs.`,
            );
        });
        watched.push({ origin, since: before.reduce((max, request) => Math.max(max, request.seq), 0) });
    }
    const result = await command();
    for (const { origin, since } of watched) {
        const writes = writesAmong(
            await requestsSince(origin, since).catch((error: Error) => {
                throw new Error(`${what}: the reads-only check cannot read the request log of the emulator at ${origin} after the command (${error.message}).`);
            }),
        );
        if (writes.length) {
            const listed = writes.map((request) => `  ${request.method} ${request.service} ${request.path} (HTTP ${request.status})`).join("\n");
            throw new Error(`${what} must only read the tenant, but it sent ${writes.length} request(s) other than GET:\n${listed}`);
        }
    }
    return result;
}
