// End to end: a tenant large enough for the state-compression advice
// (lib/state-compression.ts), through the Pulumi CLI and a local file backend. The CLI's
// environment reaches the program: a preview without PULUMI_DIY_BACKEND_ZSTD says to set
// it, one with it says nothing; an update with it writes `<stack>.json.zst` in place of
// `<stack>.json`, which every later command (preview, export) reads as before.
//
// Needs the toolchain of scripts/toolchain/build.sh. Run with
// `node -r ts-node/register/transpile-only test/run-suite.ts --spec test/e2e/large-tenant.test.ts`.

import { strict as assert } from "assert";

import { stateFiles } from "../../bench/cli-benchmark";
import { generateTenant } from "../../bench/tenant";
import { RunningEmulator } from "../../emulator";
import { ENGINE_DEFAULT_ENOUGH_UP_TO } from "../../lib/parallelism";
import { STATE_COMPRESSION_VARIABLE, stateCompressionRecommended } from "../../lib/state-compression";
import { PulumiWorkspace } from "./support/workspace";
import { startTenantStack } from "./support/tenant";

const ENVIRONMENTS = ENGINE_DEFAULT_ENOUGH_UP_TO + 10;
const ADVICE = `set ${STATE_COMPRESSION_VARIABLE}=true before \`pulumi up\``;

describe(`a tenant of ${ENVIRONMENTS} environments through the Pulumi CLI: compressed state`, function () {
    this.timeout(10 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    const compressed = { [STATE_COMPRESSION_VARIABLE]: "true" };

    before(async () => {
        assert.ok(stateCompressionRecommended(ENVIRONMENTS));
        const { seed, accountUpn } = await generateTenant({ environments: ENVIRONMENTS, latencyMs: 0, userSyncDelayMs: 0 });
        ({ emulator, workspace } = await startTenantStack(seed, { stack: "large", account: accountUpn, stage: "bootstrap" }));
    });

    after(async () => {
        await emulator?.stop();
        await workspace?.remove();
    });

    it("a preview with uncompressed state names the variable (once, under Diagnostics); with it set, says nothing of it", async () => {
        const plain = await workspace.run(["preview"], { env: { [STATE_COMPRESSION_VARIABLE]: "false" } });
        const output = `${plain.stdout}\n${plain.stderr}`;
        // The CLI shows a warning as it happens and again under Diagnostics: the program says it once.
        const diagnostics = output.slice(output.indexOf("Diagnostics:"));
        assert.ok(output.includes("Diagnostics:"), output);
        assert.equal(diagnostics.split(ADVICE).length - 1, 1, output);
        assert.ok(output.includes(`${ENVIRONMENTS} environments to serve: on a self-managed backend`), output);
        const set = await workspace.run(["preview"], { env: compressed });
        assert.ok(!`${set.stdout}\n${set.stderr}`.includes(STATE_COMPRESSION_VARIABLE), set.stdout);
    });

    it("an update with the variable writes the state compressed, and later commands read it", async () => {
        await workspace.run(["up", "--yes", "--skip-preview"], { env: compressed });
        assert.deepEqual(await stateFiles(workspace), ["large.json.zst"]);
        const exported = JSON.parse((await workspace.run(["stack", "export"])).stdout);
        const access = exported.deployment.resources.filter((resource: { type: string }) => resource.type.endsWith(":SecurityRoleAssignment"));
        assert.equal(access.length, ENVIRONMENTS);
        // Read back with nothing to change, by a run that does not set the variable: the CLI finds the compressed file itself.
        const preview = await workspace.run(["preview", "--expect-no-changes"], { env: { [STATE_COMPRESSION_VARIABLE]: "false" } });
        assert.ok(!preview.stdout.includes("+ "), preview.stdout);
    });
});
