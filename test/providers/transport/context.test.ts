// The client context against the tenant emulator: endpoint discovery, sign-in from
// variables, tokens renewed mid-run. (The clients' own calls: test/providers/clients/.)

import * as assert from "assert";

import { listEnvironments } from "../../../providers/clients/bap";
import { clientContextFromConfig } from "../../../providers/transport/context";
import { isAccessError } from "../../../providers/transport/errors";
import { findSystemUser } from "../../../providers/clients/dataverse";
import { getLicenseDetails, hasDynamicsLicense } from "../../../providers/clients/graph";
import { ACCOUNT, baseSeed, environmentId, OPERATOR, stackConfig, TENANT_ID, withEmulator } from "../../support/tenant";

const quiet = { log: () => undefined };

describe("clients against the emulator", function () {
    this.timeout(30_000);

    it("signs in from ARM_* variables and finds login and Graph through the metadata host", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const env = {
                ARM_TENANT_ID: TENANT_ID,
                ARM_CLIENT_ID: OPERATOR.clientId,
                ARM_CLIENT_SECRET: OPERATOR.clientSecret,
                ARM_METADATA_HOSTNAME: emulator.endpoints.metadataHost,
                D365BA_BAP_URL: emulator.endpoints.bap,
                D365BA_CUSTOM_ENDPOINTS: "true",
            };
            const ctx = await clientContextFromConfig({}, env, quiet);
            assert.strictEqual(ctx.endpoints.login, emulator.endpoints.login);
            assert.strictEqual(ctx.endpoints.graph, emulator.endpoints.graph);
            assert.strictEqual((await listEnvironments(ctx)).length, 1);
            assert.ok(hasDynamicsLicense(await getLicenseDetails(ctx, ACCOUNT)));
        });
    });

    it("says how to fix a wrong client secret", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator, { "azuread:clientSecret": "wrong-secret-value" }), {}, quiet);
            await assert.rejects(listEnvironments(ctx), (error: Error) => {
                assert.ok(isAccessError(error, "credential"), error.message);
                assert.match(error.message, new RegExp(`client secret of application ${OPERATOR.clientId}`));
                assert.ok(!error.message.includes("wrong-secret-value"));
                return true;
            });
        });
    });

    it("renews tokens before they expire mid-run, one per audience", async () => {
        const seed = baseSeed({ behaviour: { tokenLifetimeSeconds: 2, latencyMs: 0 } } as any);
        await withEmulator(seed, async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            const target = { environmentId: environmentId(1), instanceUrl: emulator.endpoints.dataverse[environmentId(1)] };
            const started = Date.now();
            let calls = 0;
            while (Date.now() - started < 3_200) {
                await listEnvironments(ctx);
                await findSystemUser(ctx, target, OPERATOR.objectId);
                calls += 2;
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            const requests = emulator.requests();
            const tokenRequests = requests.filter((r) => r.service === "login" && r.method === "POST");
            const refused = requests.filter((r) => r.service !== "login" && r.status === 401);
            // Two audiences, tokens living at most 2 s, over 3.2 s: each renewed at least once, far fewer sign-ins than calls.
            assert.ok(tokenRequests.length >= 4, `only ${tokenRequests.length} token requests`);
            assert.ok(tokenRequests.length * 5 < calls, `${tokenRequests.length} token requests for ${calls} calls`);
            assert.deepStrictEqual(refused, [], "no call went out with an expired token");
        });
    });

    it("recovers when a token is refused mid-run", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            await listEnvironments(ctx);
            // The service stops accepting the token it holds (revoked, or expired early).
            emulator.addFault({ service: "bap", route: "environments", status: 401, code: "ExpiredAuthenticationToken", count: 1 });
            emulator.clearRequests();
            assert.strictEqual((await listEnvironments(ctx)).length, 1);
            const bap = emulator.requests().filter((r) => r.service === "bap");
            assert.deepStrictEqual(
                bap.map((r) => r.status),
                [401, 200],
                "the refused call was made again once, with a token asked for anew",
            );
        });
    });
});
