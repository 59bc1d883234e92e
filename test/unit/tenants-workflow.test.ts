// Facts of the tenants workflow (.github/workflows/tenants.yml) that would rot without
// anyone noticing: actionlint checks that the workflow is valid GitHub Actions, not that
// it still matches this program (its stages, its config key, its pinned CLI) or keeps
// the promises the README makes (OIDC only, one update of a tenant at a time).

import { strict as assert } from "assert";
import { existsSync, readFileSync } from "fs";
import * as path from "path";

import { load } from "js-yaml";

import { STAGES } from "../../lib/stages";
import { NAMESPACE } from "../../providers/settings";

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
    readonly needs?: string;
    readonly if?: string;
    readonly strategy?: { readonly "fail-fast"?: boolean; readonly matrix?: Record<string, unknown> };
    readonly concurrency?: { readonly group?: string; readonly "cancel-in-progress"?: boolean };
    readonly env?: Record<string, string>;
    readonly steps: readonly Step[];
}
interface Workflow {
    readonly on: {
        readonly pull_request?: unknown;
        readonly workflow_dispatch?: { readonly inputs: Record<string, { type: string; required?: boolean; options?: string[] }> };
    };
    readonly permissions: Record<string, string>;
    readonly env: Record<string, string>;
    readonly jobs: Record<string, Job>;
}

const text = readFileSync(WORKFLOW_FILE, "utf8");
const workflow = load(text) as Workflow;
const tenantJob = workflow.jobs.tenant;
const runScripts = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? [step.run] : [])));
const stepNamed = (name: string): Step => {
    const step = tenantJob.steps.find((s) => s.name === name);
    assert.ok(step, `the tenant job has a step named "${name}"`);
    return step;
};

describe("tenants workflow", () => {
    it("runs on pull requests and on manual dispatch", () => {
        assert.ok("pull_request" in workflow.on);
        assert.ok(workflow.on.workflow_dispatch);
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

    it("asks only for an OIDC token and read access to the repository", () => {
        assert.deepEqual(workflow.permissions, { "id-token": "write", contents: "read" });
    });

    it("signs in by workload identity and stores no secret in GitHub", () => {
        assert.equal(workflow.env.ARM_USE_OIDC, "true");
        assert.equal(workflow.env.ARM_CLIENT_ID, "${{ vars.AZURE_CLIENT_ID }}");
        assert.doesNotMatch(text, /\bsecrets\./, "no ${{ secrets.* }}: nothing long-lived is kept in GitHub");
        const variables = [workflow.env, ...Object.values(workflow.jobs).flatMap((job) => [job.env, ...job.steps.map((step) => step.env)])]
            .flatMap((env) => Object.keys(env ?? {}));
        for (const name of ["ARM_CLIENT_SECRET", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN"]) {
            assert.ok(!variables.includes(name), `${name} is not set`);
        }
        const login = tenantJob.steps.find((step) => step.uses?.startsWith("azure/login@"));
        assert.ok(login, "azure/login signs the Azure CLI in for the state and the key vault");
        assert.deepEqual(Object.keys(login.with ?? {}).sort(), ["allow-no-subscriptions", "client-id", "tenant-id"]);
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
            "needs.stacks.outputs.count != '0' && (github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository)",
            "no job for an empty matrix (it would fail the run), nor for a fork's pull request (no OIDC token)",
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

    it("previews on pull requests, with a refresh, at the stage the tenant is in", () => {
        const step = stepNamed("preview");
        assert.equal(step.if, "github.event_name == 'pull_request'");
        assert.match(step.run!, /npx pulumi stack output --json \| jq -r '\.stage \/\/ empty'/);
        assert.match(step.run!, new RegExp(`npx pulumi config set ${NAMESPACE}:stage "\\$applied"`));
        assert.match(step.run!, /npx pulumi preview --refresh/);
        assert.doesNotMatch(step.run!, /pulumi up/);
    });

    it("sets the dispatched stage in the stack's config and runs up only on dispatch", () => {
        const step = stepNamed("up");
        assert.equal(step.if, "github.event_name == 'workflow_dispatch'");
        assert.equal(step.env?.STAGE, "${{ inputs.stage }}");
        assert.match(step.run!, new RegExp(`npx pulumi config set ${NAMESPACE}:stage "\\$STAGE"\\n`));
        assert.match(step.run!, /npx pulumi up --yes --refresh/);
    });

    it("runs the CLI pinned in package.json (npx pulumi), installed by npm ci", () => {
        const bare = runScripts.flatMap((script) => [...script.matchAll(/(?<!npx )\bpulumi (?=[a-z])/g)].map(() => script));
        assert.deepEqual(bare, [], "every pulumi command goes through npx");
        assert.ok(runScripts.some((script) => script.includes("npx pulumi")));
        for (const job of Object.values(workflow.jobs)) {
            assert.ok(job.steps.some((step) => step.run === "npm ci --no-audit --no-fund"), "each job installs with npm ci");
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
});
