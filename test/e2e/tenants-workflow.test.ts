// The tenants workflow's own scripts (.github/workflows/tenants.yml), run as GitHub
// runs them (bash -eo pipefail, the job's STACK and STAGE), through the pinned CLI
// against the tenant emulator: the stack selection, the pre-run check (`npm run fleet --
// check`) before each preview and update, a dispatched `up` of a stage, and a pull
// request's preview from a fresh checkout of the stack file, each with the policy pack;
// and the daily status job's report (`npm run fleet -- status`), read-only.
//
// What differs from a runner, on purpose: state is a local file backend instead of
// Azure Blob storage, secrets use a passphrase instead of a Key Vault key, and the
// operator signs in with the emulated tenant's client secret (a stack secret), because
// the emulator has no federated credentials; the workflow's OIDC settings are checked
// by test/workflows/tenants.test.ts and actionlint instead.

import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promises as fs, readFileSync } from "fs";
import * as path from "path";

import { load } from "js-yaml";

import { RunningEmulator, startEmulator } from "../../emulator";
import { inspectForSecrets } from "../support/secret-guard";
import { emulatorOrigin, expectOnlyReads } from "../support/reads-only";
import { createWorkspace, PulumiWorkspace, REPOSITORY } from "./support/workspace";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const DYNAMICS_365_ADMINISTRATOR = "44367163-eba1-44c3-98af-f5787879f96a";
const POWER_PLATFORM_ADMINISTRATOR = "11648597-926c-4cf3-9c36-bcebb0ba8dcc";
const SYSTEM_ADMINISTRATOR = "627090ff-40a3-4053-8790-584edc5be201";
/** How the CLI lists the pack it ran when it passed: a ✅ line, or with --diff a table under "Policy Packs run:". */
const POLICY_PACK_PASSED = /✅ d365-backup-access@v0\.1\.0 \(local: policy\)|Policy Packs run:\n\s+Name\s+Version\n\s+d365-backup-access\b/;

interface WorkflowStep {
    readonly name?: string;
    readonly run?: string;
}

/** The run: script of the step with this name in the tenant job (or another). */
function stepScript(name: string, job: "tenant" | "status" = "tenant"): string {
    const workflow = load(readFileSync(path.join(REPOSITORY, ".github", "workflows", "tenants.yml"), "utf8")) as {
        jobs: Record<string, { steps: WorkflowStep[] }>;
    };
    const script = workflow.jobs[job].steps.find((step) => step.name === name)?.run;
    assert.ok(script, `the ${job} job has a run: step named "${name}"`);
    return script;
}

interface StepResult {
    readonly code: number;
    readonly output: string;
}

describe("the tenants workflow's steps through the Pulumi CLI", function () {
    this.timeout(10 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let account: { id: string; userPrincipalName: string };
    let committedStackFile: string;

    /**
     * Runs a step's script the way GitHub's default bash shell does, in the workspace's
     * project. The preview step (the pull-request job) must only read the tenant.
     */
    const runStep = (name: string, env: Record<string, string>): Promise<StepResult> =>
        name === "preview"
            ? expectOnlyReads(`the workflow step "${name}"`, [emulatorOrigin(workspace.variables)], () => runScript(name, env))
            : runScript(name, env);

    const runScript = (name: string, env: Record<string, string>, job: "tenant" | "status" = "tenant"): Promise<StepResult> =>
        new Promise((resolve) => {
            execFile(
                "bash",
                ["--noprofile", "--norc", "-eo", "pipefail", "-c", stepScript(name, job)],
                {
                    cwd: workspace.directory,
                    env: { ...process.env, ...workspace.variables, NO_COLOR: "1", ...env },
                    maxBuffer: 64 * 1024 * 1024,
                },
                (error, stdout, stderr) => {
                    const output = `${stdout}\n${stderr}`;
                    inspectForSecrets(`the workflow step "${name}"`, output);
                    resolve({ code: error ? Number(error.code ?? 1) : 0, output });
                },
            );
        });

    const rolesOfAccount = () =>
        emulator
            .state()
            .directoryRoleAssignments!.filter((assignment) => assignment.principalId === account.id)
            .map((assignment) => assignment.roleDefinitionId)
            .sort();

    before(async () => {
        const seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        account = seed.users.find((user: { userPrincipalName: string }) => user.userPrincipalName.startsWith("backup@"));
        emulator = await startEmulator(seed);
        const { ARM_CLIENT_SECRET: clientSecret, ...env } = emulator.env;
        workspace = await createWorkspace({ stack: "contoso", env });
        // The check step runs the fleet (`npm run fleet -- check`), as a checkout has it.
        for (const entry of ["fleet", "scripts", "workspace", "cli"])
            await fs.cp(path.join(REPOSITORY, entry), path.join(workspace.directory, entry), { recursive: true });
        await workspace.setConfig("azuread:clientSecret", clientSecret, { secret: true });
        await workspace.setConfig("d365-backup-access:serviceAccount", account.userPrincipalName);
        await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });
        await workspace.setConfig("d365-backup-access:stage", "bootstrap");
        // The stack file as an operator commits it after `stack init`.
        committedStackFile = await fs.readFile(path.join(workspace.directory, "Pulumi.contoso.yaml"), "utf8");
    });

    after(async () => {
        await emulator?.stop();
        await workspace?.remove();
    });

    /** The step before every preview and update: it passes for a sound stack. */
    const checkPasses = async (stack: string) => {
        const check = await runScript("check the stack", { STACK: stack });
        assert.equal(check.code, 0, check.output);
    };

    it("pull request for a new tenant (no update yet): previews at the stack file's stage", async () => {
        const selected = await runStep("select the stack", { STACK: "contoso" });
        assert.equal(selected.code, 0, selected.output);
        await checkPasses("contoso");

        const preview = await runStep("preview", { STACK: "contoso" });
        assert.equal(preview.code, 0, preview.output);
        assert.match(preview.output, POLICY_PACK_PASSED, `the pull request's preview ran the policy pack:\n${preview.output}`);
        assert.doesNotMatch(preview.output, /::notice::/);
        assert.match(preview.output, /\(create\)\n\s*\[urn=[^\]\n]*::directory-role-global-administrator\]/);
        assert.deepEqual(rolesOfAccount(), [], "a preview changes nothing");
    });

    it("dispatch, bootstrap: applies the stage and prints the next steps", async () => {
        await checkPasses("contoso");
        const up = await runStep("up", { STACK: "contoso", STAGE: "bootstrap" });
        assert.equal(up.code, 0, up.output);
        assert.match(up.output, POLICY_PACK_PASSED, "the update ran the policy pack (no skip-policy-pack)");
        assert.deepEqual(rolesOfAccount(), [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR].sort());
        assert.match(up.output, /create the Dynamics 365 connector/, "the step prints nextSteps");
    });

    it("dispatch, operational: the dispatched stage wins over the stack file's", async () => {
        await checkPasses("contoso");
        const up = await runStep("up", { STACK: "contoso", STAGE: "operational" });
        assert.equal(up.code, 0, up.output);
        assert.deepEqual(rolesOfAccount(), [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR].sort());
    });

    it("pull request: a fresh checkout (stack file still at bootstrap) previews from the stage the tenant is in, with no change", async () => {
        await fs.writeFile(path.join(workspace.directory, "Pulumi.contoso.yaml"), committedStackFile);
        emulator.clearRequests();
        await checkPasses("contoso");

        const preview = await runStep("preview", { STACK: "contoso" });
        assert.equal(preview.code, 0, preview.output);
        assert.match(preview.output, /::notice::contoso is in stage operational \(its last update\); previewing from there/);
        // At the file's stage (bootstrap) the preview would bring Global Administrator back.
        assert.doesNotMatch(preview.output, /directory-role-global-administrator/);
        assert.match(preview.output, /\d+ unchanged/);
        assert.doesNotMatch(preview.output, /to create|to delete|to update|to replace/);
        assert.deepEqual(rolesOfAccount(), [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR].sort(), "a preview changes nothing");
        const writes = emulator.requests().filter((entry) => entry.method !== "GET" && entry.service !== "login");
        assert.deepEqual(
            writes.map((entry) => `${entry.method} ${entry.path}`),
            [],
            "the preview wrote nothing to the tenant",
        );
    });

    it("the daily status job: the tenant at its last update's stage passes; once it drifted the job fails naming it, with the report in the job summary; it only reads", async () => {
        const summary = path.join(workspace.directory, "step-summary.md");
        const status = () =>
            expectOnlyReads("the status job's status step", [emulatorOrigin(workspace.variables)], () =>
                runScript("status", { STACKS: "contoso", GITHUB_STEP_SUMMARY: summary }, "status"),
            );
        const check = await runScript("check the stacks", { STACKS: "contoso" }, "status");
        assert.equal(check.code, 0, check.output);

        // The stack file says bootstrap (a fresh checkout); the tenant is in operational, whose roles it holds.
        await fs.writeFile(path.join(workspace.directory, "Pulumi.contoso.yaml"), committedStackFile);
        const passed = await status();
        assert.equal(passed.code, 0, passed.output);
        assert.doesNotMatch(passed.output, /::error::/);
        assert.match(
            await fs.readFile(summary, "utf8"),
            /^### Tenant status\n\n```\ntenant +stage .* skipped .* drift .*\n[- ]+\ncontoso +bootstrap .* ok +\d/m,
        );

        const [first] = emulator.state().environments!.filter((environment) => environment.dataverse !== false);
        emulator.mutate((state) => {
            const user = state.environments
                .find((environment) => environment.id === first.id)!
                .systemUsers.find((entry) => entry.azureActiveDirectoryObjectId === account.id)!;
            user.roleTemplateIds = user.roleTemplateIds.filter((id) => id !== SYSTEM_ADMINISTRATOR);
        });
        await fs.rm(summary);
        const failed = await status();
        assert.equal(failed.code, 1, failed.output);
        assert.match(failed.output, /^::error::tenants missing access, drifted or not read: contoso \(the job summary lists their environments\)$/m);
        const written = await fs.readFile(summary, "utf8");
        assert.match(written, new RegExp(`^Environments not ready:\\n  contoso  .*\\(${first.id}\\): user, read-write, no System Administrator$`, "m"));
        assert.match(written, new RegExp(`^  contoso: missing: .*; drifted: system-administrator-${first.id} \\(log: fleet-logs/contoso\\.log\\)$`, "m"));
    });

    it("the check step refuses a stack file whose azuread:metadataHost is no host, naming the key, and reaches no tenant", async () => {
        const stackFile = path.join(workspace.directory, "Pulumi.contoso.yaml");
        const before = await fs.readFile(stackFile, "utf8");
        await workspace.setConfig("azuread:metadataHost", "https://metadata.example/path");
        emulator.clearRequests();
        try {
            const check = await runScript("check the stack", { STACK: "contoso" });
            assert.notEqual(check.code, 0, check.output);
            assert.match(check.output, /contoso: The stack configuration has a problem; nothing was changed: azuread:metadataHost.*is not a host name/);
            assert.deepEqual(emulator.requests(), [], "no provider started, nothing reached the tenant");
        } finally {
            await fs.writeFile(stackFile, before);
        }
    });

    it("a stack file without state fails the selection with how to create the stack", async () => {
        const selected = await runStep("select the stack", { STACK: "fabrikam" });
        assert.notEqual(selected.code, 0);
        assert.match(
            selected.output,
            /::error::fabrikam has a stack file but could not be selected in file:\/\/.*; a new tenant's stack is created once, by hand: npx pulumi stack init fabrikam --secrets-provider azurekeyvault:\/\//,
        );
    });
});
