// The tenants workflow's own scripts (.github/workflows/tenants.yml), run as GitHub
// runs them (bash -eo pipefail, the job's STACKS and STAGE, the variables a step writes
// to GITHUB_ENV for the next), through the pinned CLI and the fleet against the tenant
// emulator: a tenant job's check of its stacks (`npm run fleet -- check`) before each
// preview and update, a dispatched `fleet up` of a stage, and a pull request's `fleet
// preview` from a fresh checkout of the stack file, each with the policy pack, and the
// report of each tenant's result in the job summary; and the daily status job's report
// (`npm run fleet -- status`), read-only.
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
/** How the CLI lists the pack it ran when it passed (the fleet names its folder by its whole path): a ✅ line, or with --diff a table under "Policy Packs run:". */
const POLICY_PACK_PASSED = /✅ d365-backup-access@v0\.1\.0 \(local: (?:\S*\/)?policy\)|Policy Packs run:\n\s+Name\s+Version\n\s+d365-backup-access\b/;

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

    /** What a tenant job leaves in its working directory; a job starts from a fresh checkout, so each run here removes them first. */
    const JOB_FILES = ["check.json", "report.txt", "not-run.txt", "fleet-logs", "github-env", "step-summary.md"];

    interface JobResult {
        /** check, then preview or up when a stack was READY, then report. */
        readonly steps: Record<string, StepResult>;
        /** Every step's output, in order. */
        readonly output: string;
        readonly summary: string;
    }

    /**
     * The tenant job's steps after the sign-in, as GitHub runs them for one shard: check
     * the stacks, then (with the variables it wrote to GITHUB_ENV) the preview of a pull
     * request or the update of a dispatch when a stack is READY, then the report, always.
     * The preview must only read the tenant.
     */
    const runTenantJob = async (event: "pull_request" | "workflow_dispatch", env: Record<string, string>): Promise<JobResult> => {
        for (const file of JOB_FILES) await fs.rm(path.join(workspace.directory, file), { recursive: true, force: true });
        const files = { GITHUB_ENV: path.join(workspace.directory, "github-env"), GITHUB_STEP_SUMMARY: path.join(workspace.directory, "step-summary.md") };
        const steps: Record<string, StepResult> = {};
        steps.check = await runScript("check the stacks", { ...files, ...env });
        if (steps.check.code === 0) {
            const written = Object.fromEntries(
                (await fs.readFile(files.GITHUB_ENV, "utf8"))
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
            );
            const change = event === "pull_request" ? "preview" : "up";
            const stepEnv = { ...files, ...env, ...written };
            if (written.READY)
                steps[change] = await (change === "preview"
                    ? expectOnlyReads(`the workflow step "preview"`, [emulatorOrigin(workspace.variables)], () => runScript(change, stepEnv))
                    : runScript(change, stepEnv));
        }
        const title = event === "pull_request" ? "preview" : `up ${env.STAGE}`;
        steps.report = await runScript("report", { ...files, ...env, TITLE: title });
        const summary = await fs.readFile(files.GITHUB_STEP_SUMMARY, "utf8").catch(() => "");
        return {
            steps,
            output: Object.values(steps)
                .map((step) => step.output)
                .join("\n"),
            summary,
        };
    };

    /** A job every step of which passed, and each tenant's line in its summary's table ends "ok". */
    const passed = (job: JobResult, ...stacks: string[]): void => {
        for (const [name, step] of Object.entries(job.steps)) assert.equal(step.code, 0, `${name}:\n${job.output}`);
        for (const stack of stacks) assert.match(job.summary, new RegExp(`^${stack} .* ok +[\\d.]+ s$`, "m"), job.summary);
    };

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

    it("pull request for a new tenant (no update yet): previews at the stack file's stage, with each tenant's result in the job summary", async () => {
        const job = await runTenantJob("pull_request", { STACKS: "contoso" });
        passed(job, "contoso");
        assert.ok(job.steps.preview, "the stack passed the check and was previewed");
        assert.match(job.output, POLICY_PACK_PASSED, `the pull request's preview ran the policy pack:\n${job.output}`);
        assert.doesNotMatch(job.output, /::notice::/);
        assert.match(job.output, /^::group::contoso$/m, "the tenant's log is a group of the job's log");
        assert.match(job.output, /directory-role-global-administrator\b.*\bcreate\b|\+ .*directory-role-global-administrator/);
        assert.match(job.summary, /^### Tenants: preview\n\n```\ntenant +stage +directory roles +environments ok +changes +result +duration\n/);
        assert.match(job.summary, /^contoso +bootstrap +none .* \+\d+ +ok /m, "the preview's changes, per tenant");
        assert.deepEqual(rolesOfAccount(), [], "a preview changes nothing");
    });

    it("dispatch, bootstrap: applies the stage and prints the next steps", async () => {
        const job = await runTenantJob("workflow_dispatch", { STACKS: "contoso", STAGE: "bootstrap" });
        passed(job, "contoso");
        assert.match(job.output, POLICY_PACK_PASSED, "the update ran the policy pack (no skip-policy-pack)");
        assert.deepEqual(rolesOfAccount(), [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR].sort());
        assert.match(job.output, /create the Dynamics 365 connector/, "the tenant's log holds nextSteps");
        assert.match(job.summary, /^### Tenants: up bootstrap\n/);
    });

    it("dispatch, operational: the dispatched stage wins over the stack file's", async () => {
        const job = await runTenantJob("workflow_dispatch", { STACKS: "contoso", STAGE: "operational" });
        passed(job, "contoso");
        assert.match(job.summary, /^contoso +bootstrap → operational /m);
        assert.deepEqual(rolesOfAccount(), [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR].sort());
    });

    it("pull request: a fresh checkout (stack file still at bootstrap) previews from the stage the tenant is in, with no change", async () => {
        await fs.writeFile(path.join(workspace.directory, "Pulumi.contoso.yaml"), committedStackFile);
        emulator.clearRequests();
        const job = await runTenantJob("pull_request", { STACKS: "contoso" });
        passed(job, "contoso");
        assert.match(job.output, /::notice::contoso is in stage operational \(its last update\); previewing from there/);
        // At the file's stage (bootstrap) the preview would bring Global Administrator back.
        assert.doesNotMatch(job.output, /directory-role-global-administrator/);
        assert.match(job.output, /\d+ unchanged/);
        assert.doesNotMatch(job.output, /to create|to delete|to update|to replace/);
        assert.match(job.summary, /^contoso +operational .* none +ok /m, "no change");
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

    it("the check refuses a stack file whose azuread:metadataHost is no host, naming the key; nothing reaches the tenant, and the job fails naming it", async () => {
        const stackFile = path.join(workspace.directory, "Pulumi.contoso.yaml");
        const before = await fs.readFile(stackFile, "utf8");
        await workspace.setConfig("azuread:metadataHost", "https://metadata.example/path");
        emulator.clearRequests();
        try {
            const job = await runTenantJob("workflow_dispatch", { STACKS: "contoso", STAGE: "operational" });
            assert.equal(job.steps.up, undefined, "no update ran");
            assert.match(
                job.output,
                /^::error::contoso: The stack configuration has a problem; nothing was changed: azuread:metadataHost.*is not a host name/m,
            );
            assert.equal(job.steps.report.code, 1, job.output);
            assert.match(job.output, /^::error::not run: contoso \(the job summary says why/m);
            assert.match(job.summary, /^Not run:\n  contoso: The stack configuration has a problem/m);
            assert.deepEqual(emulator.requests(), [], "no provider started, nothing reached the tenant");
        } finally {
            await fs.writeFile(stackFile, before);
        }
    });

    it("a stack file without state is not run, named with how to create the stack; the shard's other tenants go on", async () => {
        const job = await runTenantJob("pull_request", { STACKS: "contoso,fabrikam" });
        assert.equal(job.steps.check.code, 0, job.output);
        assert.match(
            job.output,
            /::error::fabrikam has a stack file but no stack in file:\/\/.*; a new tenant's stack is created once, by hand: npx pulumi stack init fabrikam --secrets-provider azurekeyvault:\/\//,
        );
        assert.equal(job.steps.preview?.code, 0, job.output);
        assert.match(job.summary, /^contoso +operational .* ok /m, "contoso was previewed");
        assert.match(job.summary, /^Not run:\n  fabrikam: no stack in the backend; create it once: npx pulumi stack init fabrikam /m);
        assert.equal(job.steps.report.code, 1);
        assert.match(job.output, /^::error::not run: fabrikam \(the job summary says why/m);
    });
});
