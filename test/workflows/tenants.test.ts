// Facts of the tenants workflow (.github/workflows/tenants.yml) that would rot without
// anyone noticing: actionlint checks that the workflow is valid GitHub Actions, not that
// it still matches this program (its stages, its config key, its pinned CLI) or keeps
// the promises its guide makes (docs/ci.md: OIDC only, one update of a tenant at a time, nothing
// with a tenant's identity before an approval, the policy pack on every preview and update,
// an update that goes on past a failing environment, a daily status that only reads).
// The step scripts that choose the pack's flag and report the status run here with a
// stand-in `npx` and `npm` that only record their arguments; test/e2e/tenants-workflow.test.ts
// runs them with the real CLI and fleet.

import { strict as assert } from "assert";
import { execFile } from "child_process";
import { existsSync, promises as fs, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";

import { load } from "js-yaml";

import { parseOptions } from "../../fleet/options";
import { STAGES } from "../../lib/stages";
import { NAMESPACE } from "../../providers";

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

    it("runs one job per tenant stack of the list, and one failure stops no other tenant", () => {
        assert.equal(tenantJob.needs, "stacks");
        assert.equal(tenantJob.strategy?.["fail-fast"], false);
        assert.deepEqual(tenantJob.strategy?.matrix, { stack: "${{ fromJSON(needs.stacks.outputs.stacks) }}" });
        assert.equal(tenantJob.env?.STACK, "${{ matrix.stack }}");
        assert.equal(
            tenantJob.if,
            "needs.stacks.outputs.count != '0' && ((github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository) || (github.event_name == 'workflow_dispatch' && !inputs.status-only))",
            "no job for an empty matrix (it would fail the run), nor for a fork's pull request (no OIDC token), nor on the schedule or a status-only dispatch (the status job's)",
        );
    });

    it("never runs two updates of one tenant at once, and never cancels one", () => {
        const concurrency = tenantJob.concurrency;
        assert.equal(concurrency?.["cancel-in-progress"], false);
        // On dispatch the group is a fixed prefix and the stack, nothing run-specific,
        // so every update of one tenant lands in the same group.
        const update = /github\.event_name == 'workflow_dispatch' && format\('([a-z-]+)\{0\}', matrix\.stack\) \|\|/.exec(concurrency?.group ?? "");
        assert.ok(update, `the update group is format('<prefix>{0}', matrix.stack): ${concurrency?.group}`);
        // Previews are grouped apart (per pull request), so a queued preview never
        // replaces a waiting update: GitHub keeps only the newest waiting job per group.
        const preview = /\|\| format\('([a-z-]+)\{0\}-\{1\}', matrix\.stack, github\.event\.pull_request\.number\) \}\}$/.exec(concurrency?.group ?? "");
        assert.ok(preview, `the preview group names the stack and the pull request: ${concurrency?.group}`);
        assert.notEqual(preview[1], update[1]);
    });

    it("runs the fleet's pre-run check for the stack before the preview and before the update, on every event", () => {
        const steps = tenantJob.steps.map((step) => step.name);
        const check = stepNamed("check the stack");
        assert.equal(check.if, undefined, "it runs for pull requests and dispatches alike");
        assert.equal(check.run?.trim(), 'npm run fleet -- check --no-stack-custom-endpoints --stacks "$STACK"');
        assert.ok(steps.indexOf("select the stack") < steps.indexOf("check the stack"), "after the CLI is installed and the stack selected");
        for (const later of ["preview", "up"]) assert.ok(steps.indexOf("check the stack") < steps.indexOf(later), `before ${later}`);
        // Before it, no step runs a command that starts a provider (only `stack select`).
        const before = tenantJob.steps
            .slice(0, steps.indexOf("check the stack"))
            .map((step) => step.run ?? "")
            .join("\n");
        assert.doesNotMatch(before, /pulumi (preview|up|refresh|destroy)\b/);
        // The command and its stack option are the fleet's own (a renamed command would fail on the runner only).
        const options = parseOptions(["check", "--no-stack-custom-endpoints", "--stacks", "contoso"]);
        assert.deepEqual([options.command, options.stacks, options.refuseStackCustomEndpoints], ["check", { kind: "listed", names: ["contoso"] }, true]);
        const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.match(scripts.fleet, /fleet\/index\.ts/);
    });

    it("previews on pull requests, with a refresh, at the stage the tenant is in", () => {
        const step = stepNamed("preview");
        assert.equal(step.if, "github.event_name == 'pull_request'");
        assert.match(step.run!, /npx pulumi stack output --json \| jq -r '\.stage \/\/ empty'/);
        assert.match(step.run!, new RegExp(`npx pulumi config set ${NAMESPACE}:stage "\\$applied"`));
        assert.match(step.run!, /npx pulumi preview --refresh/);
        assert.doesNotMatch(step.run!, /pulumi up/);
    });

    describe("the policy pack", () => {
        let bin: string;
        before(async () => {
            bin = await fs.mkdtemp(path.join(os.tmpdir(), "tenants-workflow-"));
            // Records each command; `pulumi stack output --json` answers with a stack that has no update yet, or STACK_OUTPUT.
            await fs.writeFile(
                path.join(bin, "npx"),
                '#!/usr/bin/env bash\nprintf \'%s\\n\' "$*" >> "$NPX_LOG"\nif [[ "$*" == "pulumi stack output --json" ]]; then echo "${STACK_OUTPUT:-}" | grep . || echo "{}"; fi\n',
                { mode: 0o755 },
            );
        });
        after(async () => {
            await fs.rm(bin, { recursive: true, force: true });
        });

        /** Runs a step's script as GitHub's default bash shell does; returns the commands it ran and its output. */
        const runStep = async (name: string, env: Record<string, string>): Promise<{ commands: string[]; output: string }> => {
            const log = path.join(bin, `${name}-${Date.now()}-${Math.random()}.log`);
            const output = await new Promise<string>((resolve, reject) =>
                execFile(
                    "bash",
                    ["--noprofile", "--norc", "-eo", "pipefail", "-c", stepNamed(name).run!],
                    { env: { PATH: `${bin}:${process.env.PATH}`, NPX_LOG: log, STACK: "contoso", ...env } },
                    (error, stdout, stderr) => (error ? reject(new Error(`${name}: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr)),
                ),
            );
            return { commands: (await fs.readFile(log, "utf8")).trim().split("\n"), output };
        };
        const pulumiRun = (commands: string[], verb: string) => commands.filter((command) => command.startsWith(`pulumi ${verb} `));

        it("exists where the steps look for it", () => {
            assert.ok(existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")));
        });

        it("checks every pull request's preview, whatever a skip says", async () => {
            for (const env of [{}, { SKIP_POLICY_PACK: "true" }] as Record<string, string>[]) {
                const { commands } = await runStep("preview", env);
                assert.deepEqual(pulumiRun(commands, "preview"), ["pulumi preview --refresh --diff --policy-pack policy"]);
            }
        });

        it("checks a dispatched update unless the dispatch sets skip-policy-pack, a boolean that is false unless chosen", async () => {
            const input = workflow.on.workflow_dispatch!.inputs["skip-policy-pack"];
            assert.equal(input.type, "boolean");
            assert.equal(input.default, false);
            assert.equal(stepNamed("up").env?.SKIP_POLICY_PACK, "${{ inputs.skip-policy-pack }}");
            for (const skip of [undefined, "false", "", "yes", "True"]) {
                const { commands, output } = await runStep("up", { STAGE: "operational", ...(skip === undefined ? {} : { SKIP_POLICY_PACK: skip }) });
                assert.deepEqual(pulumiRun(commands, "up"), ["pulumi up --yes --refresh --continue-on-error --policy-pack policy"], `SKIP_POLICY_PACK=${skip}`);
                assert.doesNotMatch(output, /::warning::/);
            }
        });

        it("continues past a failing environment at the same stage, and stops at the first failure across a stage move", async () => {
            const cases: Array<[string | undefined, boolean]> = [
                [undefined, true],
                ['{"stage":"operational"}', true],
                ['{"stage":"bootstrap"}', false],
            ];
            for (const [stackOutput, continues] of cases) {
                const { commands, output } = await runStep("up", { STAGE: "operational", ...(stackOutput ? { STACK_OUTPUT: stackOutput } : {}) });
                const [up] = pulumiRun(commands, "up");
                assert.equal(up.includes("--continue-on-error"), continues, `${stackOutput}: ${up}`);
                assert.equal(/::notice::contoso moves from stage bootstrap to operational/.test(output), !continues);
            }
        });

        it("says so when a dispatched update skips it", async () => {
            const { commands, output } = await runStep("up", { STAGE: "operational", SKIP_POLICY_PACK: "true" });
            assert.deepEqual(pulumiRun(commands, "up"), ["pulumi up --yes --refresh --continue-on-error"]);
            assert.match(output, /::warning::contoso is updated without the policy pack \(skip-policy-pack was set\)/);
        });
    });

    it("sets the dispatched stage in the stack's config and runs up only on dispatch", () => {
        const step = stepNamed("up");
        assert.equal(step.if, "github.event_name == 'workflow_dispatch'");
        assert.equal(step.env?.STAGE, "${{ inputs.stage }}");
        assert.match(step.run!, new RegExp(`npx pulumi config set ${NAMESPACE}:stage "\\$STAGE"\\n`));
        assert.match(step.run!, /npx pulumi up --yes --refresh /);
    });

    it("updates past a failing environment, as the fleet's up does by default", () => {
        // The workflow runs the CLI itself; the fleet's default is the same engine option.
        assert.match(stepNamed("up").run!, /continue_on_error=\(--continue-on-error\)/);
        assert.equal(parseOptions(["up", "--all"]).continueOnError, true);
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
            assert.equal(
                statusJob.env?.STACKS,
                "${{ join(fromJSON(needs.stacks.outputs.stacks), ',') }}",
                "the stacks of the stack list, separated by commas as --stacks takes them",
            );
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
