// End to end: the policy pack in policy/, run by the real Pulumi CLI (its analyzer,
// started through the Node.js language host) against the real program and the tenant
// emulator. A well-configured stack passes; a stack holding the operator's client secret
// in plain configuration is refused, and an update with the pack changes nothing, even
// with --skip-preview (the rule is checked on the stack's root resource, analyzed first).
//
// Needs the toolchain of scripts/toolchain/build.sh. Run with
// `node -r ts-node/register/transpile-only test/run-suite.ts --spec test/e2e/policy.test.ts`.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator } from "../../emulator";
import { PulumiWorkspace } from "./support/workspace";
import { backupAccount, loadSeed, startTenantStack, stopTenantStack } from "./support/tenant";

const POLICY_PACK = "policy";
const PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814";

describe("the policy pack through the Pulumi CLI", function () {
    this.timeout(10 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let account: { id: string; userPrincipalName: string };

    before(async () => {
        const seed = await loadSeed();
        account = backupAccount(seed);
        ({ emulator, workspace } = await startTenantStack(seed, { stack: "contoso", account: account.userPrincipalName, stage: "bootstrap" }));
    });

    after(() => stopTenantStack(emulator, workspace));

    it("a well-configured stack passes every rule of the pack", async () => {
        const { stdout, stderr } = await workspace.run(["preview", "--policy-pack", POLICY_PACK]);
        const output = stdout + stderr;
        // The CLI lists the packs it ran, with their outcome: the pack was loaded and analyzed the stack.
        assert.match(output, /✅ d365-backup-access@v0\.1\.0 \(local: policy\)/, output);
        assert.doesNotMatch(output, /mandatory|violation/i, output);
    });

    it("a program that declares a resource type outside the pack's allow-list is refused, naming the type, the resource and the fix", async () => {
        // A Privileged Role Administrator eligibility made through PIM by a dynamic provider of its own: in the same
        // `pulumi-nodejs:dynamic/entra:` namespace as the program's time-bound Global Administrator, and granting
        // what no other rule of the pack looks at.
        const program = path.join(workspace.directory, "index.ts");
        const original = await fs.readFile(program, "utf8");
        await fs.writeFile(
            program,
            original +
                `\nnew pulumi.dynamic.Resource(\n` +
                `    { create: async () => ({ id: "eligibility", outs: {} }) },\n` +
                `    "privileged-role-administrator-eligibility",\n` +
                `    { roleDefinitionId: "${PRIVILEGED_ROLE_ADMINISTRATOR}", principalId: "${account.id}", directoryScopeId: "/" },\n` +
                `    {},\n` +
                `    "entra",\n` +
                `    "RoleEligibilityScheduleRequest",\n` +
                `);\n`,
        );
        try {
            emulator.clearRequests();
            const preview = await workspace.run(["preview", "--policy-pack", POLICY_PACK], { allowFailure: true });
            const output = preview.stdout + preview.stderr;
            assert.notEqual(preview.code, 0, output);
            assert.match(output, /\[mandatory\]\s+only-declared-resource-types/, output);
            assert.match(
                output,
                /RoleEligibilityScheduleRequest "privileged-role-administrator-eligibility" is of type pulumi-nodejs:dynamic\/entra:RoleEligibilityScheduleRequest/,
                output,
            );
            assert.match(output, /Fix: remove it from the program/, output);
            // The program's own resources and the providers the engine registered for them pass: only the extra one is refused.
            assert.equal(output.match(/only-declared-resource-types/g)?.length, 1, output);
            const writes = emulator.requests().filter((entry) => entry.method !== "GET" && entry.service !== "login");
            assert.deepEqual(
                writes.map((entry) => `${entry.method} ${entry.path}`),
                [],
                "a preview writes nothing to the tenant",
            );
        } finally {
            await fs.writeFile(program, original);
        }
    });

    it("the operator's client secret in plain configuration is refused, naming the key and the fix", async () => {
        await workspace.run(["config", "rm", "azuread:clientSecret"]);
        await workspace.setConfig("azuread:clientSecret", emulator.env.ARM_CLIENT_SECRET);
        const stackFile = await fs.readFile(path.join(workspace.directory, `Pulumi.${workspace.stack}.yaml`), "utf8");
        assert.ok(stackFile.includes("azuread:clientSecret: ") && !stackFile.includes("secure:"), "the secret is now plain config");

        const preview = await workspace.run(["preview", "--policy-pack", POLICY_PACK], { allowFailure: true });
        const output = preview.stdout + preview.stderr;
        assert.notEqual(preview.code, 0, output);
        assert.match(output, /no-secret-in-plain-config/, output);
        assert.match(output, /mandatory/, output);
        assert.match(output, /azuread:clientSecret is stored in plain text in Pulumi\.contoso\.yaml/, output);
        assert.match(output, /pulumi config set --secret azuread:clientSecret/, output);
    });

    it("an update with the pack is refused before it changes anything in the tenant, even without a preview", async () => {
        emulator.clearRequests();
        const update = await workspace.run(["up", "--yes", "--skip-preview", "--policy-pack", POLICY_PACK], { allowFailure: true });
        const output = update.stdout + update.stderr;
        assert.notEqual(update.code, 0, output);
        assert.match(output, /no-secret-in-plain-config/, output);
        const held = emulator.state().directoryRoleAssignments!.filter((assignment) => assignment.principalId === account.id);
        assert.deepEqual(held, [], "no directory role was assigned");
        const writes = emulator.requests().filter((entry) => entry.method !== "GET");
        assert.deepEqual(
            writes.map((entry) => `${entry.method} ${entry.path}`).filter((line) => !/\/oauth2\/|\/token/.test(line)),
            [],
            "no write reached the tenant",
        );
    });
});
