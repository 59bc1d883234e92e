import { strict as assert } from "assert";
import { RunningEmulator } from "../../emulator";
import { BAP_ENVIRONMENTS, credential, dataverseAudience, dataverseUrl, DEMO, demoSeed, POWER_APPS, request, start, token } from "../support/emulator";

describe("emulator token checks", () => {
    let emulator: RunningEmulator;
    const bapList = () => `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`;
    const graphUser = () => `${emulator.endpoints.graph}/v1.0/users/${DEMO.backupUser}`;
    const whoAmI = (env: string) => `${dataverseUrl(emulator, env)}api/data/v9.2/WhoAmI`;

    before(async () => {
        ({ emulator } = await start());
    });
    after(() => emulator.stop());

    it("Graph accepts its own origin and https://graph.microsoft.com as audience, and refuses others with InvalidAuthenticationToken", async () => {
        assert.equal((await request("GET", graphUser(), { token: await token(emulator, emulator.endpoints.graph) })).status, 200);
        assert.equal((await request("GET", graphUser(), { token: await token(emulator, "https://graph.microsoft.com") })).status, 200);
        const wrong = await request("GET", graphUser(), { token: await token(emulator, POWER_APPS) });
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error.code, "InvalidAuthenticationToken");
        assert.match(wrong.body.error.message, /Invalid audience/);
        assert.match(String(wrong.headers["www-authenticate"]), /^Bearer /);
        const none = await request("GET", graphUser());
        assert.equal(none.status, 401);
        assert.equal(none.body.error.message, "Access token is empty.");
    });

    it("BAP wants a service.powerapps.com token or one for its own origin (a custom BAP host's audience): others get InvalidAuthenticationAudience", async () => {
        assert.equal((await request("GET", bapList(), { token: await token(emulator, POWER_APPS) })).status, 200);
        assert.equal((await request("GET", bapList(), { token: await token(emulator, emulator.endpoints.bap) })).status, 200);
        const graph = await request("GET", bapList(), { token: await token(emulator, "https://graph.microsoft.com") });
        assert.equal(graph.status, 401);
        assert.equal(graph.body.error.code, "InvalidAuthenticationAudience");
        const wrong = await request("GET", bapList(), { token: await token(emulator, "https://api.powerplatform.com") });
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error.code, "InvalidAuthenticationAudience");
    });

    it("a Dataverse token for one environment is refused by another with 401 and a WWW-Authenticate Bearer header", async () => {
        const forPlain = await token(emulator, dataverseAudience(emulator, DEMO.plainEnv));
        assert.equal((await request("GET", whoAmI(DEMO.plainEnv), { token: forPlain })).status, 200);
        const elsewhere = await request("GET", whoAmI(DEMO.administrativeEnv), { token: forPlain });
        assert.equal(elsewhere.status, 401);
        assert.match(String(elsewhere.headers["www-authenticate"]), /^Bearer authorization_uri=.*resource_id=/);
        assert.equal(elsewhere.text, "");
    });

    it("refuses a token that was not issued by the emulator", async () => {
        const genuine = await token(emulator, POWER_APPS);
        const [header, payload] = genuine.split(".");
        const forged = `${header}.${payload}.${Buffer.from("not a signature").toString("base64url")}`;
        const res = await request("GET", bapList(), { token: forged });
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, "InvalidAuthenticationToken");
    });

    describe("with one-second tokens", () => {
        let shortLived: RunningEmulator;
        before(async () => {
            ({ emulator: shortLived } = await start(demoSeed((s) => (s.behaviour = { ...s.behaviour, tokenLifetimeSeconds: 1 }))));
        });
        after(() => shortLived.stop());

        it("every service refuses an expired token in its own shape", async () => {
            const bapToken = await token(shortLived, POWER_APPS);
            const graphToken = await token(shortLived, shortLived.endpoints.graph);
            const dvToken = await token(shortLived, dataverseAudience(shortLived, DEMO.plainEnv));
            await new Promise((r) => setTimeout(r, 1100));
            const bap = await request("GET", `${shortLived.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, { token: bapToken });
            assert.equal(bap.status, 401);
            assert.equal(bap.body.error.code, "ExpiredAuthenticationToken");
            const graph = await request("GET", `${shortLived.endpoints.graph}/v1.0/users/${DEMO.backupUser}`, { token: graphToken });
            assert.equal(graph.status, 401);
            assert.equal(graph.body.error.message, "Lifetime validation failed, the token is expired.");
            const dv = await request("GET", `${dataverseUrl(shortLived, DEMO.plainEnv)}api/data/v9.2/WhoAmI`, { token: dvToken });
            assert.equal(dv.status, 401);
            assert.match(String(dv.headers["www-authenticate"]), /^Bearer /);
        });

        it("@azure/identity fetches a new token once the old one has expired", async () => {
            const cred = credential(shortLived);
            const first = await cred.getToken(`${POWER_APPS}/.default`);
            await new Promise((r) => setTimeout(r, 1100));
            const second = await cred.getToken(`${POWER_APPS}/.default`);
            assert.notEqual(second.token, first.token);
            const res = await request("GET", `${shortLived.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, { token: second.token });
            assert.equal(res.status, 200);
            const tokenCalls = shortLived.requests().filter((r) => r.service === "login" && r.method === "POST");
            assert.ok(tokenCalls.length >= 2);
        });
    });
});
