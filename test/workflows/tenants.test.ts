// Facts of the tenants workflow (.github/workflows/tenants.yml) that would rot without
// anyone noticing: actionlint checks that the workflow is valid GitHub Actions, not that
// it still matches this program (its stages, its config key, its pinned CLI) or keeps
// the promises its guide makes (docs/ci.md: OIDC only, one update of a tenant at a time, nothing
// with a tenant's identity before an approval, the policy pack on every preview and update,
// an update that goes on past a failing environment, a daily status that only reads).
// The step scripts (the check that picks the stacks that may run, the fleet's command
// lines with the pack's flag, the report in the job summary, the status) run here with
// a stand-in `npx` and `npm` that only record their arguments and answer as told;
// test/e2e/tenants-workflow.test.ts runs them with the real CLI and fleet.

import { strict as assert } from "assert";
import { execFile } from "child_process";
import { existsSync, promises as fs, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";

import { load } from "js-yaml";

import { parseOptions } from "../../fleet/options";
import { STAGES } from "../../lib/stages";
import { NAMESPACE } from "../../providers";
import { STATE_COMPRESSION_VARIABLE } from "../../lib/state-compression";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOW_FILE = path.join(ROOT, ".github", "workflows", "tenants.yml");

interface Step {
    readonly name?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly if?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, string>;
}
interface Job {
    readonly name?: string;
    readonly needs?: string;
    readonly outputs?: Record<string, string>;
    readonly if?: string;
    readonly environment?: string;
    readonly permissions?: Record<string, string>;
    readonly strategy?: { readonly "fail-fast"?: boolean; readonly matrix?: Record<string, unknown> };
    readonly concurrency?: { readonly group?: string; readonly "cancel-in-progress"?: boolean };
    readonly env?: Record<string, string>;
    readonly steps: readonly Step[];
}
interface Workflow {
    readonly on: {
        readonly pull_request?: unknown;
        readonly schedule?: readonly { readonly cron: string }[];
        readonly workflow_dispatch?: { readonly inputs: Record<string, { type: string; required?: boolean; options?: string[]; default?: unknown }> };
    };
    readonly permissions: Record<string, string>;
    readonly env: Record<string, string>;
    readonly jobs: Record<string, Job>;
}

const text = readFileSync(WORKFLOW_FILE, "utf8");
const workflow = load(text) as Workflow;
const tenantJob = workflow.jobs.tenant;
const statusJob = workflow.jobs.status;
const runScripts = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? [step.run] : [])));
const stepNamed = (name: string, job = tenantJob): Step => {
    const step = job.steps.find((s) => s.name === name);
    assert.ok(step, `the job has a step named "${name}"`);
    return step;
};
/** Commands that change a tenant or its state, whoever runs them. */
const CHANGES = /\bpulumi\s+(up|preview|refresh|destroy|import|cancel|config\s+set|stack\s+(import|rm))\b|\bfleet\s+--\s+(up|preview|recover)\b/;

describe("tenants workflow", () => {
    it("never destroys: no step runs pulumi destroy, and the fleet has no destroy command (docs/before-the-first-run.md: nothing automated destroys)", () => {
        for (const script of runScripts) assert.doesNotMatch(script, /\bpulumi\s+(destroy|down)\b|stack\s+rm\b/, script);
        assert.throws(() => parseOptions(["destroy", "--all"]), /unknown command "destroy"/);
    });

    it("runs on pull requests, on manual dispatch and on a daily schedule", () => {
        assert.ok("pull_request" in workflow.on);
        assert.ok(workflow.on.workflow_dispatch);
        // Once a day at a fixed UTC time: minute and hour set, every day of every month.
        assert.deepEqual(
            workflow.on.schedule?.map((entry) => entry.cron.split(" ").length),
            [5],
        );
        const [minute, hour, ...daily] = workflow.on.schedule![0].cron.split(" ");
        assert.ok(/^\d+$/.test(minute) && Number(minute) < 60, minute);
        assert.ok(/^\d+$/.test(hour) && Number(hour) < 24, hour);
        assert.deepEqual(daily, ["*", "*", "*"]);
        // The CI guide tells how to change it, and says when it runs.
        const guide = readFileSync(path.join(ROOT, "docs", "ci.md"), "utf8");
        assert.ok(guide.includes(`cron: "${workflow.on.schedule![0].cron}"`), "the CI guide quotes the cron line");
        assert.ok(guide.includes(`${hour.padStart(2, "0")}:${minute.padStart(2, "0")} UTC`), "the CI guide says when it runs");
    });

    it("offers exactly the program's stages, in order, as a required choice", () => {
        const stage = workflow.on.workflow_dispatch!.inputs.stage;
        assert.equal(stage.type, "choice");
        assert.equal(stage.required, true);
        assert.deepEqual(stage.options, [...STAGES]);
    });

    it("lets the dispatch select stacks, optionally, through the stack list script that exists", () => {
        const stacks = workflow.on.workflow_dispatch!.inputs.stacks;
        assert.equal(stacks.required, false);
        const list = workflow.jobs.stacks.steps.find((step) => step.run?.includes("tenant-stacks.ts"));
        assert.ok(list, "the stacks job runs scripts/ci/tenant-stacks.ts");
        assert.match(list.run!, /scripts\/ci\/tenant-stacks\.ts --select "\$SELECTED"/);
        assert.equal(list.env?.SELECTED, "${{ inputs.stacks }}");
        assert.ok(existsSync(path.join(ROOT, "scripts", "ci", "tenant-stacks.ts")));
    });

    it("asks only for read access to the repository, and an OIDC token for the tenant and status jobs alone", () => {
        assert.deepEqual(workflow.permissions, { contents: "read" });
        assert.deepEqual(tenantJob.permissions, { "id-token": "write", contents: "read" });
        assert.deepEqual(statusJob.permissions, { "id-token": "write", contents: "read" });
        assert.deepEqual(Object.keys(workflow.jobs).sort(), ["stacks", "status", "tenant"]);
        for (const [name, job] of Object.entries(workflow.jobs).filter(([name]) => name !== "tenant" && name !== "status")) {
            assert.equal(job.permissions?.["id-token"], undefined, `the ${name} job runs the pull request's code with no OIDC token`);
            assert.ok(
                !job.steps.some((step) => step.uses?.startsWith("azure/login@") || /\bpulumi\b/.test(step.run ?? "")),
                `the ${name} job signs in nowhere`,
            );
        }
    });

    it("runs the tenant job only after an approval: pull requests in tenant-preview, dispatched updates in tenant-update", () => {
        // GitHub holds a job that names an environment until a required reviewer approves
        // it, and its OIDC subject then names the environment, the only subjects the
        // CI guide's federated credentials trust (docs/ci.md). Any event but a dispatch lands in tenant-preview.
        assert.equal(tenantJob.environment, "${{ github.event_name == 'workflow_dispatch' && 'tenant-update' || 'tenant-preview' }}");
        assert.ok(!("pull_request_target" in workflow.on), "pull_request_target would run the base's workflow with secrets for any fork");
        const guide = readFileSync(path.join(ROOT, "docs", "ci.md"), "utf8");
        for (const environment of ["tenant-preview", "tenant-update", "tenant-status"]) {
            assert.ok(guide.includes(`repo:<owner>/<repo>:environment:${environment}`), `the CI guide sets up the federated credential for ${environment}`);
        }
        assert.doesNotMatch(
            guide,
            /"subject":\s*"repo:<owner>\/<repo>:(pull_request|ref:)/,
            "the CI guide trusts no subject that a job without an environment gets",
        );
    });

    it("signs in by workload identity and stores no secret in GitHub", () => {
        assert.equal(workflow.env.ARM_USE_OIDC, "true");
        assert.equal(workflow.env.ARM_CLIENT_ID, "${{ vars.AZURE_CLIENT_ID }}");
        assert.doesNotMatch(text, /\bsecrets\./, "no ${{ secrets.* }}: nothing long-lived is kept in GitHub");
        const variables = [workflow.env, ...Object.values(workflow.jobs).flatMap((job) => [job.env, ...job.steps.map((step) => step.env)])].flatMap((env) =>
            Object.keys(env ?? {}),
        );
        for (const name of ["ARM_CLIENT_SECRET", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN"]) {
            assert.ok(!variables.includes(name), `${name} is not set`);
        }
        for (const job of [tenantJob, statusJob]) {
            const login = job.steps.find((step) => step.uses?.startsWith("azure/login@"));
            assert.ok(login, "azure/login signs the Azure CLI in for the state and the key vault");
            assert.deepEqual(login.with, {
                "client-id": "${{ vars.AZURE_CLIENT_ID }}",
                "tenant-id": "${{ vars.AZURE_STATE_TENANT_ID }}",
                "allow-no-subscriptions": true,
            });
        }
    });

    it("keeps state in Azure Blob storage, reached through the Azure CLI's login only", () => {
        assert.match(workflow.env.PULUMI_BACKEND_URL, /^azblob:\/\/\$\{\{ vars\.PULUMI_STATE_CONTAINER \}\}$/);
        assert.equal(workflow.env.AZURE_STORAGE_ACCOUNT, "${{ vars.PULUMI_STATE_STORAGE_ACCOUNT }}");
        assert.equal(workflow.env.AZURE_TOKEN_CREDENTIALS, "AzureCLICredential");
    });

    it("writes every tenant's state compressed, as recommended for large tenants", () => {
        assert.equal(workflow.env[STATE_COMPRESSION_VARIABLE], "true");
    });

    it("runs one job per shard of the list (the stacks of one bucket), and one job's failure stops no other", () => {
        assert.equal(tenantJob.needs, "stacks");
        assert.equal(tenantJob.strategy?.["fail-fast"], false);
        assert.deepEqual(tenantJob.strategy?.matrix, { shard: "${{ fromJSON(needs.stacks.outputs.shards) }}" });
        assert.equal(workflow.jobs.stacks.outputs?.shards, "${{ steps.list.outputs.shards }}");
        assert.equal(tenantJob.env?.STACKS, "${{ matrix.shard.stacks }}");
        assert.equal(tenantJob.name, "${{ github.event_name == 'workflow_dispatch' && 'up' || 'preview' }} ${{ matrix.shard.name }}");
        assert.equal(
            tenantJob.if,
            "needs.stacks.outputs.count != '0' && ((github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository) || (github.event_name == 'workflow_dispatch' && !inputs.status-only))",
            "no job for an empty matrix (it would fail the run), nor for a fork's pull request (no OIDC token), nor on the schedule or a status-only dispatch (the status job's)",
        );
    });

    it("never runs two updates of one tenant at once, and never cancels one: the group is the tenant's bucket", () => {
        const concurrency = tenantJob.concurrency;
        assert.equal(concurrency?.["cancel-in-progress"], false);
        // On dispatch the group is a fixed prefix and the bucket, which depends on the
        // stack's name alone (scripts/ci/tenant-stacks.ts), nothing run-specific: every
        // update of one tenant lands in the same group.
        const update = /github\.event_name == 'workflow_dispatch' && format\('([a-z-]+)\{0\}', matrix\.shard\.bucket\) \|\|/.exec(concurrency?.group ?? "");
        assert.ok(update, `the update group is format('<prefix>{0}', matrix.shard.bucket): ${concurrency?.group}`);
        // Previews are grouped apart (per pull request), so a queued preview never
        // replaces a waiting update: GitHub keeps only the newest waiting job per group.
        const preview = /\|\| format\('([a-z-]+)\{0\}-\{1\}', matrix\.shard\.bucket, github\.event\.pull_request\.number\) \}\}$/.exec(
            concurrency?.group ?? "",
        );
        assert.ok(preview, `the preview group names the bucket and the pull request: ${concurrency?.group}`);
        assert.notEqual(preview[1], update[1]);
    });

    it("checks the stacks before the preview and before the update, on every event, and reports after them whatever happened", () => {
        const steps = tenantJob.steps.map((step) => step.name);
        const check = stepNamed("check the stacks");
        assert.equal(check.if, undefined, "it runs for pull requests and dispatches alike");
        assert.ok(steps.indexOf("check the stacks") > tenantJob.steps.findIndex((step) => step.uses?.startsWith("azure/login@")), "after the sign-in");
        for (const later of ["preview", "up", "report"]) assert.ok(steps.indexOf("check the stacks") < steps.indexOf(later), `before ${later}`);
        assert.equal(stepNamed("preview").if, "github.event_name == 'pull_request' && env.READY != ''");
        assert.equal(stepNamed("up").if, "github.event_name == 'workflow_dispatch' && env.READY != ''");
        assert.equal(stepNamed("report").if, "${{ !cancelled() }}", "the report also when a tenant failed");
        assert.equal(steps[steps.length - 1], "report");
        // Before it, no step runs a command that starts a provider.
        const before = tenantJob.steps
            .slice(0, steps.indexOf("check the stacks"))
            .map((step) => step.run ?? "")
            .join("\n");
        assert.doesNotMatch(before, /pulumi|fleet/);
        const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.match(scripts.fleet, /fleet\/index\.ts/);
    });

    describe("the tenant job's steps", () => {
        let bin: string;
        before(async () => {
            bin = await fs.mkdtemp(path.join(os.tmpdir(), "tenants-workflow-"));
            // npx: records each command; `pulumi stack ls --json` answers STACK_LS, `pulumi stack output --stack S --json` outputs/S.json or {}.
            await fs.writeFile(
                path.join(bin, "npx"),
                [
                    "#!/usr/bin/env bash",
                    'printf \'%s\\n\' "$*" >> "$NPX_LOG"',
                    'if [[ "$*" == "pulumi stack ls --json" ]]; then echo "$STACK_LS"; fi',
                    'if [[ "$1 $2 $3 $4" == "pulumi stack output --stack" ]]; then cat "outputs/$5.json" 2>/dev/null || echo "{}"; fi',
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            // npm: records each command; the fleet's check prints CHECK_JSON and exits CHECK_CODE, preview and up print REPORT and exit CODE.
            await fs.writeFile(
                path.join(bin, "npm"),
                [
                    "#!/usr/bin/env bash",
                    'printf \'%s\\n\' "$*" >> "$NPM_LOG"',
                    'if [[ "$*" == *" fleet -- check "* ]]; then printf \'%s\' "${CHECK_JSON:-}"; exit "${CHECK_CODE:-0}"; fi',
                    "printf '%s' \"${REPORT:-}\"",
                    'exit "${CODE:-0}"',
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
        });
        after(async () => {
            await fs.rm(bin, { recursive: true, force: true });
        });

        interface StepRun {
            readonly code: number;
            readonly output: string;
            readonly npx: string[];
            readonly npm: string[];
            /** What the step wrote to GITHUB_ENV. */
            readonly env: string;
            readonly summary: string;
            readonly directory: string;
        }

        /** Runs a step's script as GitHub's default bash shell does, in a fresh working directory holding `files`. */
        const runStep = async (name: string, env: Record<string, string>, files: Record<string, string> = {}): Promise<StepRun> => {
            const directory = await fs.mkdtemp(path.join(bin, "run-"));
            for (const [file, content] of Object.entries(files)) {
                await fs.mkdir(path.dirname(path.join(directory, file)), { recursive: true });
                await fs.writeFile(path.join(directory, file), content);
            }
            const read = (file: string) => fs.readFile(path.join(directory, file), "utf8").catch(() => "");
            const result = await new Promise<{ code: number; output: string }>((resolve) =>
                execFile(
                    "bash",
                    ["--noprofile", "--norc", "-eo", "pipefail", "-c", stepNamed(name).run!],
                    {
                        cwd: directory,
                        env: {
                            PATH: `${bin}:${process.env.PATH}`,
                            NPX_LOG: path.join(directory, "npx.log"),
                            NPM_LOG: path.join(directory, "npm.log"),
                            GITHUB_ENV: path.join(directory, "github-env"),
                            GITHUB_STEP_SUMMARY: path.join(directory, "summary.md"),
                            PULUMI_BACKEND_URL: "azblob://state",
                            STACKS: "contoso",
                            ...env,
                        },
                    },
                    (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
                ),
            );
            const lines = async (file: string) => (await read(file)).split("\n").filter(Boolean);
            return {
                ...result,
                npx: await lines("npx.log"),
                npm: await lines("npm.log"),
                env: await read("github-env"),
                summary: await read("summary.md"),
                directory,
            };
        };
        /** The fleet's arguments in an `npm run --silent fleet -- …` command, read by the fleet's own parser. */
        const fleetOptions = (command: string) => {
            assert.match(command, /^run --silent fleet -- /);
            return parseOptions(command.replace(/^run --silent fleet -- /, "").split(" "));
        };
        const checkReport = (...tenants: Array<[string, string?]>) =>
            JSON.stringify({
                command: "check",
                tenants: tenants.map(([stack, error]) => (error ? { stack, result: "failed", error } : { stack, result: "ok" })),
            });

        describe("check the stacks", () => {
            it("runs the fleet's pre-run check, refusing custom endpoints from stack files, on the bucket's stacks; those that pass are READY", async () => {
                const run = await runStep("check the stacks", {
                    STACKS: "contoso,fabrikam",
                    STACK_LS: '[{"name":"contoso"},{"name":"organization/d365-backup-access/fabrikam"}]',
                    CHECK_JSON: checkReport(["contoso"], ["fabrikam"]),
                });
                assert.equal(run.code, 0, run.output);
                assert.deepEqual(run.npx, ["pulumi stack ls --json"], "only lists the stacks: nothing starts a provider before the check");
                assert.deepEqual(run.npm, ["run --silent fleet -- check --no-stack-custom-endpoints --stacks contoso,fabrikam --json"]);
                const options = fleetOptions(run.npm[0]);
                assert.deepEqual(
                    [options.command, options.stacks, options.refuseStackCustomEndpoints, options.json],
                    ["check", { kind: "listed", names: ["contoso", "fabrikam"] }, true, true],
                );
                assert.equal(run.env, "READY=contoso,fabrikam\n");
                assert.equal(await fs.readFile(path.join(run.directory, "not-run.txt"), "utf8"), "");
                assert.doesNotMatch(run.output, /::error::/);
            });

            it("names a stack refused by the check and one without a stack in the backend, and leaves them out; the others go on", async () => {
                const refusal = "The stack configuration has a problem; nothing was changed: azuread:metadataHost: is not a host name";
                const run = await runStep("check the stacks", {
                    STACKS: "contoso,fabrikam,tailspin",
                    STACK_LS: '[{"name":"contoso"},{"name":"fabrikam"},{"name":"northwind"}]',
                    CHECK_JSON: checkReport(["contoso"], ["fabrikam", refusal]),
                    CHECK_CODE: "1",
                });
                assert.equal(run.code, 0, run.output);
                assert.deepEqual(run.npm, ["run --silent fleet -- check --no-stack-custom-endpoints --stacks contoso,fabrikam --json"]);
                assert.equal(run.env, "READY=contoso\n");
                assert.match(
                    run.output,
                    /^::error::tailspin has a stack file but no stack in azblob:\/\/state; a new tenant's stack is created once, by hand: npx pulumi stack init tailspin --secrets-provider azurekeyvault:\/\//m,
                );
                assert.ok(run.output.includes(`::error::fabrikam: ${refusal}\n`), run.output);
                const notRun = await fs.readFile(path.join(run.directory, "not-run.txt"), "utf8");
                assert.match(notRun, /^tailspin: no stack in the backend; create it once: npx pulumi stack init tailspin /);
                assert.ok(notRun.endsWith(`fabrikam: ${refusal}\n`), notRun);
            });

            it("with no stack in the backend, runs no check and leaves nothing READY", async () => {
                const run = await runStep("check the stacks", { STACKS: "tailspin", STACK_LS: "[]" });
                assert.equal(run.code, 0, run.output);
                assert.deepEqual(run.npm, []);
                assert.equal(run.env, "READY=\n");
            });

            it("fails, with nothing READY, when the check gives no report (a wrong command line) or the stacks cannot be listed", async () => {
                const wrong = await runStep("check the stacks", { STACK_LS: '[{"name":"contoso"}]', CHECK_JSON: "", CHECK_CODE: "2" });
                assert.equal(wrong.code, 2, wrong.output);
                assert.equal(wrong.env, "");
                const unlisted = await runStep("check the stacks", { STACK_LS: "not json" });
                assert.notEqual(unlisted.code, 0, unlisted.output);
                assert.deepEqual([unlisted.npm, unlisted.env], [[], ""]);
            });
        });

        describe("preview", () => {
            it("previews the READY stacks with the fleet, refreshing first, always with the policy pack, whatever a skip says", async () => {
                for (const env of [{}, { SKIP_POLICY_PACK: "true" }] as Record<string, string>[]) {
                    const run = await runStep("preview", { READY: "contoso,fabrikam", REPORT: "the table\n", ...env });
                    assert.equal(run.code, 0, run.output);
                    assert.deepEqual(run.npm, ["run --silent fleet -- preview --refresh --stacks contoso,fabrikam --log-dir fleet-logs"]);
                    const options = fleetOptions(run.npm[0]);
                    assert.deepEqual([options.command, options.refresh, options.policyPack, options.stage], ["preview", true, true, undefined]);
                    assert.equal(await fs.readFile(path.join(run.directory, "report.txt"), "utf8"), "the table\n", "the report, for the report step");
                }
            });

            it("previews each tenant at the stage it is in (its last update's), set in the runner's copy of its stack file only", async () => {
                const run = await runStep("preview", { READY: "contoso,fabrikam" }, { "outputs/contoso.json": '{"stage":"operational"}' });
                assert.equal(run.code, 0, run.output);
                assert.deepEqual(run.npx, [
                    "pulumi stack output --stack contoso --json",
                    `pulumi config set --stack contoso ${NAMESPACE}:stage operational`,
                    "pulumi stack output --stack fabrikam --json",
                ]);
                assert.match(run.output, /^::notice::contoso is in stage operational \(its last update\); previewing from there$/m);
                assert.doesNotMatch(run.output, /fabrikam is in stage/, "a stack never updated previews at its stack file's stage");
                assert.doesNotMatch(stepNamed("preview").run!, /pulumi up|fleet -- up/);
            });

            it("fails when a tenant's preview failed", async () => {
                const run = await runStep("preview", { READY: "contoso", CODE: "1" });
                assert.equal(run.code, 1, run.output);
            });
        });

        describe("up, and the policy pack", () => {
            it("exists where the fleet looks for it", () => {
                assert.ok(existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")));
            });

            it("updates the READY stacks at the dispatched stage, refreshing first, with the policy pack unless the dispatch sets skip-policy-pack, a boolean that is false unless chosen", async () => {
                const input = workflow.on.workflow_dispatch!.inputs["skip-policy-pack"];
                assert.equal(input.type, "boolean");
                assert.equal(input.default, false);
                assert.equal(stepNamed("up").env?.SKIP_POLICY_PACK, "${{ inputs.skip-policy-pack }}");
                assert.equal(stepNamed("up").env?.STAGE, "${{ inputs.stage }}");
                for (const skip of [undefined, "false", "", "yes", "True"]) {
                    const run = await runStep("up", {
                        READY: "contoso,fabrikam",
                        STAGE: "operational",
                        ...(skip === undefined ? {} : { SKIP_POLICY_PACK: skip }),
                    });
                    assert.equal(run.code, 0, run.output);
                    assert.deepEqual(
                        run.npm,
                        ["run --silent fleet -- up --refresh --stage operational --stacks contoso,fabrikam --log-dir fleet-logs"],
                        `SKIP_POLICY_PACK=${skip}`,
                    );
                    assert.doesNotMatch(run.output, /::warning::/);
                    assert.deepEqual(run.npx, [], "the fleet does it all");
                }
            });

            it("says so when a dispatched update skips it", async () => {
                const run = await runStep("up", { READY: "contoso,fabrikam", STAGE: "operational", SKIP_POLICY_PACK: "true" });
                assert.deepEqual(run.npm, [
                    "run --silent fleet -- up --refresh --stage operational --no-policy-pack --stacks contoso,fabrikam --log-dir fleet-logs",
                ]);
                assert.equal(fleetOptions(run.npm[0]).policyPack, false);
                assert.match(run.output, /^::warning::updated without the policy pack \(skip-policy-pack was set\): contoso, fabrikam$/m);
            });

            it("continues past a failing environment at the same stage and stops at the first failure across a stage move, as the fleet's up does", async () => {
                // The fleet decides per tenant from its last update's stage (test/fleet/operations.test.ts); the workflow must not turn it off.
                const run = await runStep("up", { READY: "contoso", STAGE: "reauth" });
                const options = fleetOptions(run.npm[0]);
                assert.deepEqual([options.command, options.stage, options.continueOnError, options.refresh], ["up", "reauth", true, true]);
            });

            it("fails when a tenant's update failed, with the report kept for the report step", async () => {
                const run = await runStep("up", { READY: "contoso", STAGE: "operational", REPORT: "Failed:\n  contoso: did not converge\n", CODE: "1" });
                assert.equal(run.code, 1, run.output);
                assert.match(await fs.readFile(path.join(run.directory, "report.txt"), "utf8"), /contoso: did not converge/);
            });
        });

        describe("report", () => {
            const TABLE = "tenant    stage        directory roles  environments ok  changes  result  duration\n";
            it("puts each tenant's result in the job summary and its log in a group, and names the tenants that failed or did not run", async () => {
                const report =
                    TABLE +
                    "contoso   operational  none             3/3              none     ok      20.1 s\n" +
                    "fabrikam  operational  none             2/3              +1       FAILED  30.2 s\n" +
                    "\nFailed:\n  fabrikam: did not converge in 1 environment (log: fleet-logs/fabrikam.log)\n    e1: refused\n";
                const run = await runStep(
                    "report",
                    { STACKS: "contoso,fabrikam,tailspin", TITLE: "up operational" },
                    {
                        "report.txt": report,
                        "not-run.txt": "tailspin: no stack in the backend; create it once\n",
                        "fleet-logs/contoso.log": "contoso's log\n",
                        "fleet-logs/fabrikam.log": "fabrikam's log\n",
                    },
                );
                assert.equal(run.code, 1, run.output);
                assert.ok(
                    run.output.startsWith("::group::contoso\ncontoso's log\n::endgroup::\n::group::fabrikam\nfabrikam's log\n::endgroup::\n"),
                    run.output,
                );
                const all = `${report}\nNot run:\n  tailspin: no stack in the backend; create it once\n`;
                assert.ok(run.output.includes(all), "the report is in the log");
                assert.equal(run.summary, `### Tenants: up operational\n\n\`\`\`\n${all}\`\`\`\n`);
                assert.match(
                    run.output,
                    /^::error::failed: fabrikam; not run: tailspin \(the job summary says why; each tenant's log is a group of this step's log\)$/m,
                );
            });

            it("passes when every tenant did, with the table in the job summary", async () => {
                const report = `${TABLE}contoso   operational  none             3/3              none     ok      20.1 s\n`;
                const run = await runStep("report", { TITLE: "preview" }, { "report.txt": report, "not-run.txt": "", "fleet-logs/contoso.log": "log\n" });
                assert.equal(run.code, 0, run.output);
                assert.doesNotMatch(run.output, /::error::/);
                assert.equal(run.summary, `### Tenants: preview\n\n\`\`\`\n${report}\`\`\`\n`);
            });

            it("names only the stacks not run when none was READY (nothing previewed or updated)", async () => {
                const run = await runStep("report", { STACKS: "tailspin", TITLE: "preview" }, { "not-run.txt": "tailspin: refused\n" });
                assert.equal(run.code, 1, run.output);
                assert.match(run.output, /^::error::not run: tailspin \(the job summary/m);
                assert.match(run.summary, /^Not run:\n  tailspin: refused$/m);
            });

            it("titles the summary with the dispatched stage, or preview", () => {
                assert.equal(stepNamed("report").env?.TITLE, "${{ github.event_name == 'workflow_dispatch' && format('up {0}', inputs.stage) || 'preview' }}");
            });
        });
    });

    it("runs the CLI pinned in package.json (npx pulumi), installed by npm ci", () => {
        const bare = runScripts.flatMap((script) => [...script.matchAll(/(?<!npx )\bpulumi (?=[a-z])/g)].map(() => script));
        assert.deepEqual(bare, [], "every pulumi command goes through npx");
        assert.ok(runScripts.some((script) => script.includes("npx pulumi")));
        for (const job of Object.values(workflow.jobs)) {
            assert.ok(
                job.steps.some((step) => step.run === "npm ci --no-audit --no-fund"),
                "each job installs with npm ci",
            );
        }
    });

    it("uses a Node.js version package.json's engines allow", () => {
        const engines = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
        const minimum = /^>=(\d+)/.exec(engines);
        assert.ok(minimum, `engines.node is ">=N…": ${engines}`);
        for (const job of Object.values(workflow.jobs)) {
            const setup = job.steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
            assert.ok(setup, "each job sets up Node.js");
            assert.ok(Number(setup.with?.["node-version"]) >= Number(minimum[1]), `node-version ${setup.with?.["node-version"]} satisfies ${engines}`);
        }
    });
    describe("the status job (daily, read-only)", () => {
        it("runs on the schedule and on a dispatch with status-only, never for a pull request, and only when there are stacks", () => {
            assert.equal(statusJob.needs, "stacks");
            assert.equal(
                statusJob.if,
                "needs.stacks.outputs.count != '0' && (github.event_name == 'schedule' || (github.event_name == 'workflow_dispatch' && inputs.status-only))",
            );
            const input = workflow.on.workflow_dispatch!.inputs["status-only"];
            assert.deepEqual([input.type, input.required, input.default], ["boolean", false, false]);
        });

        it("runs in its own environment, never tenant-update, with read access to the repository and an OIDC token", () => {
            assert.equal(statusJob.environment, "tenant-status", "a fixed name: no expression can turn it into tenant-update");
            assert.deepEqual(statusJob.permissions, { "id-token": "write", contents: "read" });
            assert.equal(statusJob.concurrency?.["cancel-in-progress"], false);
        });

        it("reads the tenants in jobs of at most 200 (status-shards), one job's failure stopping no other", () => {
            assert.equal(workflow.jobs.stacks.outputs?.["status-shards"], "${{ steps.list.outputs.status-shards }}");
            assert.deepEqual(statusJob.strategy, { "fail-fast": false, matrix: { shard: "${{ fromJSON(needs.stacks.outputs.status-shards) }}" } });
            assert.equal(statusJob.env?.STACKS, "${{ matrix.shard.stacks }}", "the job's stacks, separated by commas as --stacks takes them");
            assert.equal(statusJob.concurrency?.group, "tenant-status-${{ matrix.shard.index }}");
        });

        it("only reads: the pre-run check, then fleet status; no update, preview, refresh or config change", () => {
            for (const step of statusJob.steps) assert.doesNotMatch(step.run ?? "", CHANGES, step.name ?? step.run);
            const names = statusJob.steps.map((step) => step.name);
            assert.ok(names.indexOf("check the stacks") >= 0 && names.indexOf("check the stacks") < names.indexOf("status"), "the check comes first");
            assert.equal(stepNamed("check the stacks", statusJob).run?.trim(), 'npm run fleet -- check --no-stack-custom-endpoints --stacks "$STACKS"');
            assert.match(
                stepNamed("status", statusJob).run!,
                /^npm run --silent fleet -- status --stacks "\$STACKS" --log-dir fleet-logs >status\.txt \|\| code=\$\?$/m,
            );
            const options = parseOptions(["status", "--stacks", "contoso,fabrikam", "--log-dir", "fleet-logs"]);
            assert.deepEqual([options.command, options.stacks], ["status", { kind: "listed", names: ["contoso", "fabrikam"] }]);
        });

        describe("its report", () => {
            let bin: string;
            before(async () => {
                bin = await fs.mkdtemp(path.join(os.tmpdir(), "tenants-workflow-status-"));
                // Records its arguments, prints the report it is given and exits as told.
                await fs.writeFile(path.join(bin, "npm"), '#!/usr/bin/env bash\nprintf \'%s\\n\' "$*" >> "$NPM_LOG"\nprintf \'%s\' "$REPORT"\nexit "$CODE"\n', {
                    mode: 0o755,
                });
            });
            after(async () => {
                await fs.rm(bin, { recursive: true, force: true });
            });

            const runStatus = async (report: string, code: number) => {
                const directory = await fs.mkdtemp(path.join(bin, "run-"));
                const summary = path.join(directory, "summary.md");
                const result = await new Promise<{ code: number; output: string }>((resolve) =>
                    execFile(
                        "bash",
                        ["--noprofile", "--norc", "-eo", "pipefail", "-c", stepNamed("status", statusJob).run!],
                        {
                            cwd: directory,
                            env: {
                                PATH: `${bin}:${process.env.PATH}`,
                                NPM_LOG: path.join(directory, "npm.log"),
                                REPORT: report,
                                CODE: String(code),
                                STACKS: "contoso,fabrikam",
                                GITHUB_STEP_SUMMARY: summary,
                            },
                        },
                        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
                    ),
                );
                return { ...result, summary: await fs.readFile(summary, "utf8"), npm: (await fs.readFile(path.join(directory, "npm.log"), "utf8")).trim() };
            };

            const TABLE = "tenant    stage        directory roles  environments ok  skipped    drift  last update  result  duration\n";
            it("fails as the fleet does, naming the tenants in an error and listing their environments in the job summary", async () => {
                const report =
                    TABLE +
                    "\nEnvironments not ready:\n  contoso   Contoso Finance (c3): not a user\n" +
                    "\nFailed:\n  contoso: missing: Contoso Finance (c3): not a user (log: fleet-logs/contoso.log)\n  fabrikam: drifted: system-administrator-e1 (log: fleet-logs/fabrikam.log)\n";
                const { code, output, summary, npm } = await runStatus(report, 1);
                assert.equal(code, 1, output);
                assert.equal(npm, "run --silent fleet -- status --stacks contoso,fabrikam --log-dir fleet-logs");
                assert.match(output, /^::error::tenants missing access, drifted or not read: contoso fabrikam \(the job summary lists their environments\)$/m);
                assert.ok(output.includes(report), "the report is in the log");
                assert.equal(summary, `### Tenant status\n\n\`\`\`\n${report}\`\`\`\n`);
            });

            it("passes when the fleet does, with the report in the job summary", async () => {
                const report = `${TABLE}contoso   operational  none             3/3              1 (teams)  none   never        ok      1.0 s\n`;
                const { code, output, summary } = await runStatus(report, 0);
                assert.equal(code, 0, output);
                assert.doesNotMatch(output, /::error::/);
                assert.match(summary, /1 \(teams\)/);
            });
        });
    });
});
