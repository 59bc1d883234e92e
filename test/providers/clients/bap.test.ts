// The BAP client against the tenant emulator: environments (all pages, typed), one
// environment by id.

import * as assert from "assert";

import { findEnvironment, getEnvironment, listEnvironments } from "../../../providers/clients/bap";
import { clientContextFromConfig } from "../../../providers/transport/context";
import { isAccessError } from "../../../providers/transport/errors";
import { baseSeed, dataverseEnvironment, environmentId, GROUP, stackConfig, withEmulator } from "../../support/tenant";

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
});
