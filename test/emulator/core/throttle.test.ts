import { strict as assert } from "assert";
import { BAP_ENVIRONMENTS, dataverseAudience, dataverseUrl, DEMO, demoSeed, POWER_APPS, request, start, token } from "../../support/emulator";

describe("emulator service protection", () => {
    it("Dataverse answers 429 0x80072326 with Retry-After beyond the concurrent-request limit of a caller", async () => {
        const { emulator } = await start(
            demoSeed((s) => (s.behaviour = { ...s.behaviour, dataverseConcurrencyLimit: 2, dataverseConcurrencyRetryAfterSeconds: 3, latencyMs: 300 })),
        );
        try {
            const dv = await token(emulator, dataverseAudience(emulator, DEMO.plainEnv));
            const url = `${dataverseUrl(emulator, DEMO.plainEnv)}api/data/v9.2/WhoAmI`;
            const results = await Promise.all(Array.from({ length: 5 }, () => request("GET", url, { token: dv })));
            const statuses = results.map((r) => r.status).sort();
            assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
            const throttled = results.find((r) => r.status === 429)!;
            assert.equal(throttled.body.error.code, "0x80072326");
            assert.equal(throttled.headers["retry-after"], "3");
            // the limit is per environment: another environment still answers
            const other = await request("GET", `${dataverseUrl(emulator, DEMO.administrativeEnv)}api/data/v9.2/WhoAmI`, {
                token: await token(emulator, dataverseAudience(emulator, DEMO.administrativeEnv)),
            });
            assert.equal(other.status, 200);
            // once the requests in flight are done, there is room again
            assert.equal((await request("GET", url, { token: dv })).status, 200);
        } finally {
            await emulator.stop();
        }
    });

    it("Dataverse answers 429 0x80072322 with Retry-After once the request-count window is full", async () => {
        const { emulator } = await start(demoSeed((s) => (s.behaviour = { ...s.behaviour, dataverseRequestLimit: { requests: 3, windowSeconds: 60 } })));
        try {
            const dv = await token(emulator, dataverseAudience(emulator, DEMO.plainEnv));
            const url = `${dataverseUrl(emulator, DEMO.plainEnv)}api/data/v9.2/WhoAmI`;
            const statuses: number[] = [];
            let last;
            for (let i = 0; i < 4; i++) {
                last = await request("GET", url, { token: dv });
                statuses.push(last.status);
            }
            assert.deepEqual(statuses, [200, 200, 200, 429]);
            assert.equal(last!.body.error.code, "0x80072322");
            const retryAfter = Number(last!.headers["retry-after"]);
            assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        } finally {
            await emulator.stop();
        }
    });

    it("Graph and BAP answer 429 with Retry-After beyond their configured request limits", async () => {
        const { emulator } = await start(
            demoSeed(
                (s) =>
                    (s.behaviour = {
                        ...s.behaviour,
                        graphRequestLimit: { requests: 2, windowSeconds: 30 },
                        bapRequestLimit: { requests: 1, windowSeconds: 30 },
                    }),
            ),
        );
        try {
            const graphToken = await token(emulator, emulator.endpoints.graph);
            const graphStatuses = [];
            for (let i = 0; i < 3; i++)
                graphStatuses.push(await request("GET", `${emulator.endpoints.graph}/v1.0/users/${DEMO.backupUser}`, { token: graphToken }));
            assert.deepEqual(
                graphStatuses.map((r) => r.status),
                [200, 200, 429],
            );
            assert.equal(graphStatuses[2].body.error.code, "TooManyRequests");
            assert.ok(Number(graphStatuses[2].headers["retry-after"]) > 0);

            const bap = await token(emulator, POWER_APPS);
            const url = `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`;
            const first = await request("GET", url, { token: bap });
            const second = await request("GET", url, { token: bap });
            assert.deepEqual([first.status, second.status], [200, 429]);
            assert.equal(second.body.error.code, "TooManyRequests");
            assert.ok(Number(second.headers["retry-after"]) > 0);
            const notes = emulator
                .requests()
                .filter((r) => r.status === 429)
                .map((r) => r.note);
            assert.deepEqual(notes, ["throttled: graphRequestLimit", "throttled: bapRequestLimit"]);
        } finally {
            await emulator.stop();
        }
    });

    it("Graph says on its answers when the caller has used more than 0.8 of its request limit (x-ms-throttle-limit-percentage)", async () => {
        const { emulator } = await start(demoSeed((s) => (s.behaviour = { ...s.behaviour, graphRequestLimit: { requests: 10, windowSeconds: 60 } })));
        try {
            const graphToken = await token(emulator, emulator.endpoints.graph);
            const user = (upn: string) => request("GET", `${emulator.endpoints.graph}/v1.0/users/${upn}`, { token: graphToken });
            const shares: (string | string[] | undefined)[] = [];
            for (let i = 0; i < 8; i++) {
                const answer = await user(DEMO.backupUser);
                assert.equal(answer.status, 200);
                shares.push(answer.headers["x-ms-throttle-limit-percentage"]);
            }
            // An error answer carries it too: it says what the caller used, not how the request went.
            const missing = await user("nobody@contoso.onmicrosoft.com");
            assert.equal(missing.status, 404);
            shares.push(missing.headers["x-ms-throttle-limit-percentage"]);
            shares.push((await user(DEMO.backupUser)).headers["x-ms-throttle-limit-percentage"]);
            // Absent up to 0.8 of the limit; then the share used, as a fraction.
            assert.deepEqual(shares, [...Array(8).fill(undefined), "0.9", "1"]);
            // A refused request is not an answer of the service: 429 with Retry-After, as before.
            assert.equal((await user(DEMO.backupUser)).status, 429);
        } finally {
            await emulator.stop();
        }
    });
});
