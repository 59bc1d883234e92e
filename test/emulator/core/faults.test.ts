import { strict as assert } from "assert";
import { RunningEmulator } from "../../../emulator";
import { BAP_ENVIRONMENTS, DEMO, demoSeed, POWER_APPS, request, start, token } from "../../support/emulator";

describe("emulator fault injection", () => {
    let emulator: RunningEmulator;
    let bap: string;
    let graphToken: string;
    const list = () => `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`;
    const user = () => `${emulator.endpoints.graph}/v1.0/users/${DEMO.backupUser}`;

    before(async () => {
        // a seeded fault: the first Graph call to /users fails once with 503
        ({ emulator } = await start(
            demoSeed((s) => {
                s.faults = [{ route: "^/v1\\.0/users/", service: "graph", status: 503, count: 1, retryAfterSeconds: 2 }];
                s.behaviour = { ...s.behaviour, randomSeed: 7 };
            }),
        ));
        bap = await token(emulator, POWER_APPS);
        graphToken = await token(emulator, emulator.endpoints.graph);
    });
    afterEach(() => emulator.clearFaults());
    after(() => emulator.stop());

    it("applies a fault from the seed: status in the service's error shape, Retry-After, then normal service", async () => {
        const first = await request("GET", user(), { token: graphToken });
        assert.equal(first.status, 503);
        assert.equal(first.body.error.code, "ServiceUnavailable");
        assert.equal(first.headers["retry-after"], "2");
        assert.equal((await request("GET", user(), { token: graphToken })).status, 200);
    });

    it("applies a fault a given number of times, to the given method only", async () => {
        emulator.addFault({ route: "/environments", method: "GET", status: 429, count: 2, retryAfterSeconds: 1, code: "TooManyRequests" });
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await request("GET", list(), { token: bap })).status);
        assert.deepEqual(statuses, [429, 429, 200]);
        emulator.addFault({ route: "/environments", method: "POST", status: 500 });
        assert.equal((await request("GET", list(), { token: bap })).status, 200);
    });

    it("applies a fault with a probability (0 never, 1 always, in between some of the time)", async () => {
        emulator.addFault({ route: "/environments", status: 500, probability: 0 });
        assert.equal((await request("GET", list(), { token: bap })).status, 200);
        emulator.clearFaults();
        emulator.addFault({ route: "/environments", status: 500, probability: 1, count: 3 });
        for (let i = 0; i < 3; i++) assert.equal((await request("GET", list(), { token: bap })).status, 500);
        emulator.clearFaults();
        emulator.addFault({ route: "/environments", status: 502, probability: 0.5 });
        const statuses = new Set<number>();
        for (let i = 0; i < 30; i++) statuses.add((await request("GET", list(), { token: bap })).status);
        assert.deepEqual([...statuses].sort(), [200, 502]);
    });

    it("adds a delay: a delayed call finishes after a later undelayed one", async () => {
        emulator.addFault({ route: "/environments", delayMs: 400, count: 1 });
        const order: string[] = [];
        const delayed = request("GET", list(), { token: bap }).then((r) => order.push(`delayed ${r.status}`));
        await new Promise((r) => setTimeout(r, 50));
        const prompt = request("GET", user(), { token: graphToken }).then((r) => order.push(`prompt ${r.status}`));
        await Promise.all([delayed, prompt]);
        assert.deepEqual(order, ["prompt 200", "delayed 200"]);
    });

    it("drops the connection without an answer, and logs status 0", async () => {
        emulator.addFault({ route: "/environments", drop: true, count: 1 });
        await assert.rejects(
            request("GET", list(), { token: bap }),
            (err: NodeJS.ErrnoException) => ["ECONNRESET", "EPIPE"].includes(err.code ?? "") || /socket hang up/.test(err.message),
        );
        const last = emulator.requests().at(-1)!;
        assert.equal(last.status, 0);
        assert.match(last.note ?? "", /dropped/);
        assert.equal((await request("GET", list(), { token: bap })).status, 200);
    });

    it("adds, lists and removes faults at run time over HTTP on any origin, validating them", async () => {
        const added = await request("POST", `${emulator.endpoints.graph}/_emulator/faults`, {
            body: { route: "WhoAmI", service: "dataverse", status: 503, count: 1 },
        });
        assert.equal(added.status, 201);
        const id = added.body.value[0].id;
        const listed = await request("GET", `${emulator.endpoints.login}/_emulator/faults`);
        assert.deepEqual(
            listed.body.value.map((f: { id: string }) => f.id),
            [id],
        );
        assert.equal((await request("DELETE", `${emulator.endpoints.bap}/_emulator/faults/${id}`)).status, 204);
        assert.deepEqual((await request("GET", `${emulator.endpoints.bap}/_emulator/faults`)).body.value, []);
        const invalid = await request("POST", `${emulator.endpoints.bap}/_emulator/faults`, { body: { route: "x", status: 42 } });
        assert.equal(invalid.status, 400);
        assert.match(invalid.body.error.message, /fault\.status: 42/);
        await request("POST", `${emulator.endpoints.bap}/_emulator/faults`, {
            body: [
                { route: "a", status: 500 },
                { route: "b", drop: true },
            ],
        });
        assert.equal((await request("DELETE", `${emulator.endpoints.bap}/_emulator/faults`)).status, 204);
        assert.deepEqual((await request("GET", `${emulator.endpoints.bap}/_emulator/faults`)).body.value, []);
    });
});
