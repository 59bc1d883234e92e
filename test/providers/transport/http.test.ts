// The HTTP layer against a local server: retries, Retry-After, backoff, deadline,
// per-host concurrency, pacing a host near its limit, token refresh on 401, error
// messages, paging.

import * as assert from "assert";

import { isAccessError } from "../../../providers/transport/errors";
import { createHttpClient } from "../../../providers/transport/http/client";
import { limitShare, pacingGapMs } from "../../../providers/transport/http/host-limiter";
import { getAllPages } from "../../../providers/transport/http/paging";
import { HttpClient } from "../../../providers/transport/http/request";
import { HttpSettings } from "../../../providers/transport/settings/types";
import { createTokenSource, TokenSource } from "../../../providers/transport/tokens";
import { json, LocalServer, startLocalServer } from "../../support/local-server";

const FAST: HttpSettings = {
    requestDeadlineMs: 5_000,
    attemptTimeoutMs: 2_000,
    maxAttempts: 5,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 40,
    maxConcurrentRequestsPerHost: 4,
    readOnly: false,
};

/** Hands out "token-1", "token-2", ... and records invalidations. */
function countingTokens(): TokenSource & { issued: number; invalidated: string[] } {
    const source = {
        issued: 0,
        invalidated: [] as string[],
        current: undefined as string | undefined,
        async get() {
            if (!source.current) source.current = `token-${++source.issued}`;
            return source.current;
        },
        invalidate(_audience: string, token: string) {
            source.invalidated.push(token);
            if (source.current === token) source.current = undefined;
        },
    };
    return source;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected the call to fail");
}

describe("HTTP layer", () => {
    let server: LocalServer;
    let tokens: ReturnType<typeof countingTokens>;
    let logs: string[];

    function client(settings: Partial<HttpSettings> = {}): HttpClient {
        return createHttpClient({ settings: { ...FAST, ...settings }, tokens, log: (line) => logs.push(line) });
    }

    function get(http: HttpClient, path = "/thing", extra: Record<string, unknown> = {}) {
        return http.send({
            service: "bap",
            method: "GET",
            url: `${server.url}${path}`,
            audience: "https://service.example",
            call: "read the thing",
            environmentId: "env-1",
            ...extra,
        });
    }

    beforeEach(async () => {
        server = await startLocalServer();
        tokens = countingTokens();
        logs = [];
    });
    afterEach(() => server.close());

    it("sends the bearer token, JSON headers and body", async () => {
        server.handle((_request, response) => json(response, 200, { ok: true }));
        const response = await client().send({
            service: "dataverse",
            method: "POST",
            url: `${server.url}/x`,
            audience: "https://org.example",
            body: { a: 1 },
            call: "post",
        });
        assert.deepStrictEqual(response.body, { ok: true });
        const [request] = server.requests;
        assert.strictEqual(request.headers.authorization, "Bearer token-1");
        assert.strictEqual(request.headers.accept, "application/json");
        assert.strictEqual(request.headers["content-type"], "application/json");
        assert.deepStrictEqual(JSON.parse(request.body), { a: 1 });
    });

    it("in a read-only run, sends GET requests only: any other fails before it leaves, naming the call", async () => {
        server.handle((_request, response) => json(response, 200, { value: [] }));
        const readOnly = client({ readOnly: true });
        await readOnly.send({ service: "graph", method: "GET", url: `${server.url}/read`, call: "read" });
        const error = await rejection(
            readOnly.send({ service: "bap", method: "POST", url: `${server.url}/addUser`, call: "BAP addUser", environmentId: "env-1" }),
        );
        assert.ok(isAccessError(error, "configuration"));
        assert.match(error.message, /^Environment env-1: This run is read-only \(a refresh, a preview, or D365BA_READ_ONLY\), so BAP addUser was not sent/);
        assert.deepStrictEqual(
            server.requests.map((r) => r.method),
            ["GET"],
        );
    });

    it("waits as long as Retry-After says on 429, then succeeds", async () => {
        let calls = 0;
        server.handle((_request, response) => {
            calls++;
            if (calls <= 2) json(response, 429, { error: { code: "0x80072326", message: "Too many concurrent requests" } }, { "Retry-After": "0.3" });
            else json(response, 200, { value: 1 });
        });
        const response = await get(client());
        assert.strictEqual(response.status, 200);
        assert.strictEqual(server.requests.length, 3);
        for (let i = 1; i < 3; i++) {
            const gap = server.requests[i].at - server.requests[i - 1].at;
            assert.ok(gap >= 290, `retry ${i} came after ${gap} ms, before Retry-After allowed`);
        }
    });

    it("understands Retry-After as an HTTP date", async () => {
        let calls = 0;
        server.handle((_request, response) => {
            calls++;
            if (calls === 1) json(response, 503, {}, { "Retry-After": new Date(Date.now() + 1500).toUTCString() });
            else json(response, 200, {});
        });
        await get(client());
        assert.strictEqual(server.requests.length, 2);
        // HTTP dates have whole seconds: at least half a second must have passed.
        assert.ok(server.requests[1].at - server.requests[0].at >= 500);
    });

    for (const status of [408, 502, 503, 504]) {
        it(`retries HTTP ${status} with backoff`, async () => {
            let calls = 0;
            server.handle((_request, response) => {
                calls++;
                if (calls <= 2) json(response, status, { error: { code: "Busy", message: "try later" } });
                else json(response, 200, {});
            });
            await get(client());
            assert.strictEqual(server.requests.length, 3);
        });
    }

    it("retries when the connection is reset", async () => {
        let calls = 0;
        server.handle((_request, response, socket) => {
            calls++;
            if (calls === 1) socket.destroy();
            else json(response, 200, { fine: true });
        });
        const response = await get(client());
        assert.deepStrictEqual(response.body, { fine: true });
        assert.strictEqual(server.requests.length, 2);
    });

    it("fails at once when Retry-After reaches past the deadline, naming the call and the fix", async () => {
        server.handle((_request, response) => json(response, 429, {}, { "Retry-After": "30" }));
        const error = await rejection(get(client({ requestDeadlineMs: 1000 })));
        assert.ok(isAccessError(error, "retries-exhausted"), error.message);
        assert.strictEqual(server.requests.length, 1);
        assert.match(error.message, /^Environment env-1: /);
        assert.match(error.message, /read the thing/);
        assert.match(error.message, /past the request deadline/);
        assert.match(error.message, /requestTimeoutSeconds/);
    });

    it("gives up after the maximum number of attempts", async () => {
        server.handle((_request, response) => json(response, 503, { error: { code: "ServiceUnavailable", message: "down" } }));
        const error = await rejection(get(client({ maxAttempts: 3 })));
        assert.ok(isAccessError(error, "retries-exhausted"));
        assert.strictEqual(server.requests.length, 3);
        assert.match(error.message, /after 3 attempts: HTTP 503 ServiceUnavailable: down/);
    });

    it("does not retry other errors and explains them", async () => {
        server.handle((_request, response) => json(response, 400, { error: { code: "0x80060888", message: "Could not find a property named 'x'." } }));
        const error = await rejection(get(client()));
        assert.ok(isAccessError(error, "api"));
        assert.strictEqual(server.requests.length, 1);
        assert.match(error.message, /Environment env-1: Power Platform admin API \(BAP\) refused read the thing: Could not find a property named 'x'/);
        assert.match(error.message, /HTTP 400 0x80060888/);
        assert.match(error.message, /Fix: /);
        assert.strictEqual((error as any).status, 400);
        assert.strictEqual((error as any).code, "0x80060888");
    });

    it("uses the request's own explanation for an error answer", async () => {
        server.handle((_request, response) => json(response, 403, { error: { code: "Forbidden", message: "no" } }));
        const error = await rejection(get(client(), "/thing", { explain: () => ({ kind: "admin-application", fix: "register the app." }) }));
        assert.ok(isAccessError(error, "admin-application"));
        assert.match(error.message, /Fix: register the app\.$/);
    });

    it("signs in again once when the token is refused with 401", async () => {
        server.handle((request, response) => {
            if (request.headers.authorization === "Bearer token-1") json(response, 401, { error: { code: "ExpiredAuthenticationToken", message: "expired" } });
            else json(response, 200, {});
        });
        await get(client());
        assert.deepStrictEqual(tokens.invalidated, ["token-1"]);
        assert.deepStrictEqual(
            server.requests.map((r) => r.headers.authorization),
            ["Bearer token-1", "Bearer token-2"],
        );
    });

    it("reports a second 401 without retrying further, and never prints the token", async () => {
        server.handle((_request, response) => json(response, 401, { error: { code: "InvalidAuthenticationAudience", message: "bad audience" } }));
        const error = await rejection(get(client()));
        assert.strictEqual(server.requests.length, 2);
        assert.ok(isAccessError(error, "api"));
        assert.match(error.message, /HTTP 401 InvalidAuthenticationAudience/);
        assert.doesNotMatch(error.message, /token-\d/);
    });

    it("hands back expected error statuses instead of raising them", async () => {
        server.handle((_request, response) => json(response, 404, { error: { code: "NotFound", message: "none" } }));
        const response = await get(client(), "/thing", { expect: [404] });
        assert.strictEqual(response.status, 404);
    });

    it("keeps at most the configured number of requests in flight per host", async () => {
        server.handle(async (_request, response) => {
            await new Promise((resolve) => setTimeout(resolve, 30));
            json(response, 200, {});
        });
        const http = client({ maxConcurrentRequestsPerHost: 3 });
        await Promise.all(Array.from({ length: 15 }, () => get(http)));
        assert.strictEqual(server.requests.length, 15);
        assert.strictEqual(server.maxInFlight(), 3);
    });

    it("does not hold a concurrency slot while backing off", async () => {
        let first = true;
        server.handle(async (request, response) => {
            if (request.url === "/slow" && first) {
                first = false;
                json(response, 429, {}, { "Retry-After": "0.5" });
                return;
            }
            json(response, 200, {});
        });
        const http = client({ maxConcurrentRequestsPerHost: 1 });
        const slow = get(http, "/slow");
        await new Promise((resolve) => setTimeout(resolve, 100));
        // With the only slot held during the back-off, this would wait for /slow.
        await get(http, "/fast");
        const fastAt = server.requests.find((r) => r.url === "/fast")!.at;
        const slowRetryAt = (await slow, server.requests.filter((r) => r.url === "/slow")[1].at);
        assert.ok(fastAt < slowRetryAt, "the other request went first while /slow backed off");
    });

    it("follows nextLink pages to the end", async () => {
        server.handle((request, response) => {
            const page = Number(new URL(request.url, server.url).searchParams.get("page") ?? "1");
            json(response, 200, {
                value: [`item-${page}a`, `item-${page}b`],
                ...(page < 3 ? { nextLink: `${server.url}/list?page=${page + 1}` } : {}),
            });
        });
        const items = await getAllPages<string>(
            client(),
            { service: "bap", method: "GET", url: `${server.url}/list`, audience: "https://a", call: "list" },
            "nextLink",
        );
        assert.deepStrictEqual(items, ["item-1a", "item-1b", "item-2a", "item-2b", "item-3a", "item-3b"]);
    });

    it("follows @odata.nextLink unchanged", async () => {
        server.handle((request, response) => {
            if (request.url.includes("skiptoken")) json(response, 200, { value: [2] });
            else json(response, 200, { value: [1], "@odata.nextLink": `${server.url}/roles?$skiptoken=%3Ccookie%20pagenumber=%222%22/%3E` });
        });
        const items = await getAllPages<number>(
            client(),
            { service: "dataverse", method: "GET", url: `${server.url}/roles`, audience: "https://a", call: "list" },
            "@odata.nextLink",
        );
        assert.deepStrictEqual(items, [1, 2]);
        assert.strictEqual(server.requests[1].url, "/roles?$skiptoken=%3Ccookie%20pagenumber=%222%22/%3E");
    });

    it("refuses to follow a next-page link to another host", async () => {
        server.handle((_request, response) => json(response, 200, { value: [1], nextLink: "https://elsewhere.example/list?page=2" }));
        const error = await rejection(
            getAllPages(client(), { service: "bap", method: "GET", url: `${server.url}/list`, audience: "https://a", call: "list" }, "nextLink"),
        );
        assert.match(error.message, /another host \(https:\/\/elsewhere\.example\)/);
        assert.strictEqual(server.requests.length, 1);
    });

    it("stops a paging loop", async () => {
        server.handle((_request, response) => json(response, 200, { value: [1], nextLink: `${server.url}/list` }));
        const error = await rejection(
            getAllPages(client(), { service: "bap", method: "GET", url: `${server.url}/list`, audience: "https://a", call: "list" }, "nextLink"),
        );
        assert.match(error.message, /kept returning pages/);
    });

    it("explains an unreachable endpoint without retrying, naming its host and the setting that chose it", async () => {
        const url = server.url;
        const host = new URL(url).host;
        await server.close();
        const http = createHttpClient({
            settings: FAST,
            tokens,
            log: (line) => logs.push(line),
            describeHost: (asked, service) => (asked === host && service === "bap" ? "D365BA_BAP_URL" : undefined),
        });
        const error = await rejection(http.send({ service: "bap", method: "GET", url: `${url}/x`, audience: "https://a", call: "list environments" }));
        assert.ok(isAccessError(error, "api"));
        assert.ok(
            error.message.startsWith(`Cannot reach the Power Platform admin API (BAP) at ${host}, from D365BA_BAP_URL, for list environments: `),
            error.message,
        );
        assert.match(error.message, /ECONNREFUSED/);
        assert.match(error.message, /Fix: check that D365BA_BAP_URL names a host that is up and reachable from here/);
        assert.strictEqual(logs.length, 0, "no retry was announced");
        server = await startLocalServer();
    });

    describe("the request deadline", () => {
        it("covers the token fetch: a sign-in that never answers fails the call at the deadline, and nothing is sent", async () => {
            server.handle((_request, response) => json(response, 200, {}));
            const silent = createTokenSource({ getToken: () => new Promise(() => undefined) }, { describe: "test credential" });
            const http = createHttpClient({ settings: { ...FAST, requestDeadlineMs: 200 }, tokens: silent, log: (line) => logs.push(line) });
            const error = await rejection(get(http));
            assert.ok(isAccessError(error, "retries-exhausted"), error.message);
            assert.match(error.message, /The request deadline passed while signing in for https:\/\/service\.example/);
            assert.strictEqual(server.requests.length, 0);
        });

        it("covers the wait for a connection slot: a call that never gets one fails at the deadline without being sent", async () => {
            let releaseFirst: () => void = () => undefined;
            server.handle((request, response) => {
                if (request.url === "/held") releaseFirst = () => json(response, 200, {});
                else json(response, 200, {});
            });
            const http = client({ maxConcurrentRequestsPerHost: 1, requestDeadlineMs: 60_000, attemptTimeoutMs: 60_000 });
            const held = get(http, "/held");
            while (!server.requests.length) await new Promise((resolve) => setTimeout(resolve, 5));
            const waiting = createHttpClient({ settings: { ...FAST, maxConcurrentRequestsPerHost: 1, requestDeadlineMs: 200 }, tokens, log: () => undefined });
            const error = await rejection(get(waiting, "/queued"));
            assert.ok(isAccessError(error, "retries-exhausted"), error.message);
            assert.match(error.message, /the request deadline passed while waiting for a connection slot/);
            releaseFirst();
            await held;
            // The slot went back to the pool, not to the caller that gave up.
            await get(http, "/after");
            assert.deepStrictEqual(
                server.requests.map((r) => r.url),
                ["/held", "/after"],
            );
        });
    });

    describe("a host near its limit (x-ms-throttle-limit-percentage)", () => {
        /** Answers after 30 ms with the header when `share()` gives one; counts requests in flight per burst. */
        function limitServer(share: () => string | undefined) {
            const burst = { inFlight: 0, max: 0 };
            server.handle(async (_request, response) => {
                burst.inFlight++;
                burst.max = Math.max(burst.max, burst.inFlight);
                await new Promise((resolve) => setTimeout(resolve, 30));
                burst.inFlight--;
                const value = share();
                json(response, 200, {}, value === undefined ? {} : { "x-ms-throttle-limit-percentage": value });
            });
            return {
                async run(http: HttpClient, requests: number) {
                    burst.max = 0;
                    const first = server.requests.length;
                    await Promise.all(Array.from({ length: requests }, () => get(http, "/graph", { service: "graph" })));
                    const starts = server.requests.slice(first).map((request) => request.at);
                    return { maxInFlight: burst.max, gaps: starts.slice(1).map((at, index) => at - starts[index]) };
                },
            };
        }

        it("reads the share Microsoft documents (0.8 to 1.8) and a percentage", () => {
            assert.deepStrictEqual(["0.85", "1.8", "85", "85%", "", "high", undefined].map(limitShare), [
                0.85,
                1.8,
                0.85,
                0.85,
                undefined,
                undefined,
                undefined,
            ]);
            assert.deepStrictEqual([0.8, 0.9, 1, 1.8].map(pacingGapMs), [200, 1100, 2000, 2000]);
        });

        it("at 80 % or more: one request at a time, spaced, said once per host", async () => {
            const host = limitServer(() => "0.85");
            const http = client();
            await get(http, "/graph", { service: "graph" });
            const paced = await host.run(http, 4);
            assert.strictEqual(paced.maxInFlight, 1);
            // 0.85 of the limit: at least 650 ms between starts (a timer never fires early; under load they only grow).
            assert.ok(
                paced.gaps.every((gap) => gap >= pacingGapMs(0.85) - 10),
                `gaps ${paced.gaps.join(", ")} ms`,
            );
            await host.run(http, 2);
            const said = logs.filter((line) => /x-ms-throttle-limit-percentage/.test(line));
            assert.strictEqual(said.length, 1, logs.join("\n"));
            assert.ok(said[0].startsWith(`Microsoft Graph at ${new URL(server.url).host} reports`), said[0]);
            assert.match(said[0], /reports 85 % of its request limit used .*one at a time, at least 0\.7 s apart, until it reports less\.$/);
            assert.ok(!said[0].includes("token-"), "no token in the line");
        });

        it("without the header, or below 80 %: as many at once as the host's limit allows, unspaced", async () => {
            for (const share of [undefined, "0.5"]) {
                const host = limitServer(() => share);
                const http = client({ maxConcurrentRequestsPerHost: 4 });
                await get(http, "/graph", { service: "graph" });
                const free = await host.run(http, 8);
                assert.strictEqual(free.maxInFlight, 4, `with ${share ?? "no header"}`);
            }
            assert.deepStrictEqual(logs, []);
        });

        it("lifts the pacing once the host answers without the header", async () => {
            let share: string | undefined = "0.8";
            const host = limitServer(() => share);
            const http = client({ maxConcurrentRequestsPerHost: 4 });
            await get(http, "/graph", { service: "graph" });
            assert.strictEqual((await host.run(http, 3)).maxInFlight, 1);
            share = undefined;
            // The answer that lifts it, then a burst at the host's full concurrency.
            await get(http, "/graph", { service: "graph" });
            assert.strictEqual((await host.run(http, 8)).maxInFlight, 4);
        });

        it("lets callers waiting behind the lowered limit go as soon as it is lifted", async () => {
            let share: string | undefined = "0.8";
            const host = limitServer(() => share);
            const http = client({ maxConcurrentRequestsPerHost: 4 });
            await get(http, "/graph", { service: "graph" });
            // Six callers queue behind the one-at-a-time limit; the first answer lifts it for the rest.
            share = undefined;
            const burst = await host.run(http, 6);
            assert.ok(burst.maxInFlight > 1, `at most ${burst.maxInFlight} in flight`);
        });
    });
});
