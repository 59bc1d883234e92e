// The clients against the tenant emulator: environments (all pages), licences,
// endpoint discovery, sign-in from variables, tokens renewed mid-run.

import * as assert from "assert";

import { findEnvironment, getEnvironment, listEnvironments } from "../../providers/clients/bap";
import { clientContextFromConfig } from "../../providers/transport/context";
import { isAccessError } from "../../providers/transport/errors";
import { findSystemUser } from "../../providers/clients/dataverse";
import { getLicenseDetails, hasDynamicsLicense, isGroupMember } from "../../providers/clients/graph";
import { ACCOUNT, baseSeed, dataverseEnvironment, environmentId, GROUP, OPERATOR, stackConfig, TENANT_ID, withEmulator } from "./support/tenant";

const quiet = { log: () => undefined };

describe("clients against the emulator", function () {
    this.timeout(30_000);

    it("lists 55 environments across pages of 10, typed", async () => {
        const environments = [
            ...Array.from({ length: 54 }, (_, i) => dataverseEnvironment(i + 1)),
            { id: environmentId(55), displayName: "Teams only", sku: "Teams", dataverse: false },
        ];
        await withEmulator(baseSeed({ environments, behaviour: { bapPageSize: 10 } } as any), async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            const listed = await listEnvironments(ctx);
            assert.strictEqual(listed.length, 55);
            assert.strictEqual(new Set(listed.map((e) => e.id)).size, 55);
            const pages = emulator.requests().filter((r) => r.service === "bap" && r.method === "GET" && /environments(\?|$)/.test(r.path));
            assert.strictEqual(pages.length, 6);
            const first = listed.find((e) => e.id === environmentId(1))!;
            assert.strictEqual(first.displayName, "Environment 1");
            assert.strictEqual(first.sku, "Production");
            assert.strictEqual(first.state, "Enabled");
            assert.strictEqual(first.dataverse!.instanceUrl, emulator.endpoints.dataverse[environmentId(1)]);
            assert.ok(first.dataverse!.instanceUrl.endsWith("/"));
            assert.strictEqual(first.securityGroupId, undefined);
            const teams = listed.find((e) => e.id === environmentId(55))!;
            assert.strictEqual(teams.dataverse, undefined);
        });
    });

    it("reads one environment, its security group, and says when an id is unknown", async () => {
        const seed = baseSeed({ environments: [dataverseEnvironment(1, { securityGroupId: GROUP, adminMode: true })] } as any);
        await withEmulator(seed, async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            const environment = await getEnvironment(ctx, environmentId(1));
            assert.strictEqual(environment.securityGroupId, GROUP);
            assert.strictEqual(environment.state, "AdminMode");
            assert.strictEqual(await findEnvironment(ctx, environmentId(9)), undefined);
            await assert.rejects(getEnvironment(ctx, environmentId(9)), (error: Error) => {
                assert.ok(isAccessError(error, "unknown-environment"));
                assert.match(error.message, new RegExp(`^Environment ${environmentId(9)}: No Power Platform environment has this id`));
                return true;
            });
        });
    });

    it("reads the account's licences", async () => {
        const seed = baseSeed({
            users: [
                { id: ACCOUNT, userPrincipalName: "backup@contoso.onmicrosoft.com", licenses: ["DYN365_ENTERPRISE_PLAN1"] },
                { id: "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b", userPrincipalName: "admin@contoso.onmicrosoft.com", licenses: ["SPE_E5"] },
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            const licensed = await getLicenseDetails(ctx, ACCOUNT);
            assert.deepStrictEqual(licensed.map((l) => l.skuPartNumber), ["DYN365_ENTERPRISE_PLAN1"]);
            assert.ok(hasDynamicsLicense(licensed));
            assert.ok(!hasDynamicsLicense(await getLicenseDetails(ctx, "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b")));
        });
    });

    it("checks a group membership by asking about the one member, never reading the group's member list", async () => {
        // 250 other members: listing them would take 3 pages of 100.
        const others = Array.from({ length: 250 }, (_, i) => ({ id: `a0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`, userPrincipalName: `user${i + 1}@contoso.onmicrosoft.com` }));
        const nestedGroup = "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80";
        const onlyNested = "b0000000-0000-4000-8000-000000000001";
        const seed = baseSeed({
            users: [...baseSeed().users!, ...others, { id: onlyNested, userPrincipalName: "nested@contoso.onmicrosoft.com" }],
            groups: [
                { id: GROUP, displayName: "Restricted environment users", members: [...others.map((u) => u.id), ACCOUNT, nestedGroup] },
                { id: nestedGroup, displayName: "Nested", members: [onlyNested] },
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            emulator.clearRequests();
            assert.strictEqual(await isGroupMember(ctx, GROUP, ACCOUNT.toUpperCase()), true);
            const reads = emulator.requests().filter((r) => r.service === "graph" && r.path.includes(`/groups/${GROUP}/members`));
            assert.deepStrictEqual(
                reads.map((r) => `${r.method} ${decodeURIComponent(r.path)}`),
                [`GET /v1.0/groups/${GROUP}/members?$filter=id eq '${ACCOUNT}'&$select=id&$count=true`],
            );
            assert.strictEqual(await isGroupMember(ctx, GROUP, onlyNested), false, "membership through a nested group is not a direct membership");
            assert.strictEqual(await isGroupMember(ctx, nestedGroup, ACCOUNT), false);
            await assert.rejects(isGroupMember(ctx, GROUP, "x' or id ne 'y"), /is not a GUID/);
        });
    });

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
