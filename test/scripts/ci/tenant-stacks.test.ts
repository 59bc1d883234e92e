import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

import {
    BUCKETS,
    bucketOf,
    describePlan,
    EXAMPLE_STACK,
    MAX_MATRIX_JOBS,
    selectStacks,
    Shard,
    shardStacks,
    stackOfFile,
    STATUS_SHARD_SIZE,
    StatusShard,
    statusShards,
    tenantStacks,
} from "../../../scripts/ci/tenant-stacks";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Runs the script as the stacks job does, with GITHUB_OUTPUT in a fresh folder; returns its outputs as written there. */
function runScript(args: string[]): { status: number | null; stderr: string; outputs: Record<string, string> } {
    const directory = mkdtempSync(path.join(tmpdir(), "tenant-stacks-output-"));
    try {
        const outputFile = path.join(directory, "github-output");
        const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("scripts", "ci", "tenant-stacks.ts"), ...args], {
            cwd: ROOT,
            env: { ...process.env, GITHUB_OUTPUT: outputFile },
            encoding: "utf8",
            maxBuffer: 16 * 1024 * 1024,
        });
        let written = "";
        try {
            written = readFileSync(outputFile, "utf8");
        } catch {
            // Nothing written: the script refused before its outputs.
        }
        const outputs = Object.fromEntries(
            written
                .split("\n")
                .filter(Boolean)
                .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
        return { status: run.status, stderr: run.stderr, outputs };
    } finally {
        rmSync(directory, { recursive: true, force: true });
    }
}

/** A folder of committed stack files as a repository holds them: `count` tenants (tenant-0000, …), the project file and the worked example's. */
function stackFiles(names: readonly string[]): string {
    const directory = mkdtempSync(path.join(tmpdir(), "tenant-stacks-files-"));
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "README.md", ...names.map((name) => `Pulumi.${name}.yaml`)]) {
        writeFileSync(path.join(directory, file), "config: {}\n");
    }
    return directory;
}

const tenants = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `tenant-${String(from + i).padStart(4, "0")}`);

/** Each stack's bucket, as the matrix gives it. */
function bucketsOf(shards: readonly Shard[]): Map<string, number> {
    return new Map(shards.flatMap((shard) => shard.stacks.split(",").map((stack) => [stack, shard.bucket] as const)));
}

/** What the plan must be for any set of stacks: jobs within the matrix limit, each stack in exactly one, in its own bucket. */
function assertPlan(stacks: readonly string[], shards: readonly Shard[]): void {
    assert.ok(shards.length <= MAX_MATRIX_JOBS, `${shards.length} jobs`);
    assert.ok(shards.length <= stacks.length);
    const placed = shards.flatMap((shard) => shard.stacks.split(","));
    assert.deepEqual([...placed].sort(), [...stacks].sort(), "every stack in exactly one job");
    assert.equal(new Set(shards.map((shard) => shard.bucket)).size, shards.length, "one job per bucket");
    for (const shard of shards) {
        assert.ok(Number.isInteger(shard.bucket) && shard.bucket >= 0 && shard.bucket < BUCKETS, String(shard.bucket));
        for (const stack of shard.stacks.split(",")) assert.equal(bucketOf(stack), shard.bucket, stack);
    }
}

describe("tenant stacks of a CI run", () => {
    it("are the committed Pulumi.<stack>.yaml files, sorted, without the project file", () => {
        const files = ["Pulumi.yaml", "Pulumi.fabrikam.yaml", "README.md", "Pulumi.contoso.yaml", "Pulumi.contoso.yml", "package.json"];
        assert.deepEqual(tenantStacks(files), ["contoso", "fabrikam"]);
        assert.equal(stackOfFile("Pulumi.yaml"), undefined);
        assert.equal(stackOfFile("Pulumi.tailspin-toys.eu.yaml"), "tailspin-toys.eu");
    });

    it("leave out the worked example's dev stack (the tenant emulator's demo tenant), and refuse it when selected", () => {
        assert.equal(EXAMPLE_STACK, "dev");
        assert.deepEqual(tenantStacks(["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.contoso.yaml"]), ["contoso"]);
        assert.throws(
            () => selectStacks(["contoso"], "contoso, dev"),
            /^Error: stacks: "dev" is the worked example's stack \(Pulumi\.dev\.yaml\), which runs against the tenant emulator's demo tenant, not a tenant's; leave it out of the stacks input\.$/,
        );
    });

    it("refuses a stack file whose name Pulumi would refuse, naming it", () => {
        assert.throws(
            () => tenantStacks(["Pulumi.contoso.yaml", "Pulumi.bad name.yaml"]),
            /Pulumi\.bad name\.yaml: not a valid stack name; expected letters, digits/,
        );
    });

    it("are every stack when nothing is selected", () => {
        assert.deepEqual(selectStacks(["contoso", "fabrikam"], ""), ["contoso", "fabrikam"]);
        assert.deepEqual(selectStacks(["contoso", "fabrikam"], "  "), ["contoso", "fabrikam"]);
    });

    it("are the selected ones, separated by commas or spaces, once each", () => {
        assert.deepEqual(selectStacks(["contoso", "fabrikam", "tailspin"], "tailspin, contoso tailspin"), ["contoso", "tailspin"]);
    });

    it("refuse selected names without a stack file, all at once, with the stacks there are", () => {
        assert.throws(
            () => selectStacks(["contoso", "fabrikam"], "contoso,northwind, adatum"),
            /^Error: stacks: "northwind", "adatum" have no stack file \(Pulumi\.<stack>\.yaml\); expected names among: contoso, fabrikam\.$/,
        );
    });

    it("are written as step outputs for the matrix, and a bad selection fails the step before any job", () => {
        const directory = mkdtempSync(path.join(tmpdir(), "tenant-stacks-"));
        try {
            const outputFile = path.join(directory, "github-output");
            const run = (args: string[]) =>
                spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("scripts", "ci", "tenant-stacks.ts"), ...args], {
                    cwd: path.resolve(__dirname, "..", "..", ".."),
                    env: { ...process.env, GITHUB_OUTPUT: outputFile },
                    encoding: "utf8",
                });
            // This repository commits no tenant stack files (Pulumi.dev.yaml is the worked
            // example's): the matrices are empty and the tenant and status jobs are skipped (count 0).
            const ok = run([]);
            assert.equal(ok.status, 0, ok.stderr);
            const empty = "stacks=[]\ncount=0\nshards=[]\nstatus-shards=[]\n";
            assert.equal(readFileSync(outputFile, "utf8"), empty);
            assert.equal(ok.stdout, empty);
            assert.equal(ok.stderr, "tenant-stacks: 0 tenant stacks in 0 jobs (256 buckets by a hash of the stack's name)\n");
            const bad = run(["--select", "contoso"]);
            assert.equal(bad.status, 1);
            assert.match(bad.stderr, /^tenant-stacks: stacks: "contoso" has no stack file/);
            assert.equal(readFileSync(outputFile, "utf8"), empty, "nothing more was written");
            const wrong = run(["--select"]);
            assert.equal(wrong.status, 1);
            assert.match(wrong.stderr, /^tenant-stacks: unexpected arguments \["--select"\]; usage: tenant-stacks\.ts \[--select/);
        } finally {
            rmSync(directory, { recursive: true, force: true });
        }
    });

    describe("spread over the jobs (shards)", () => {
        it("by a fixed hash of the name: the same bucket on every machine and in every run", () => {
            assert.equal(BUCKETS, MAX_MATRIX_JOBS);
            // The first four bytes of SHA-256, modulo 256: a change here moves tenants between concurrency groups.
            assert.deepEqual(["contoso", "fabrikam", "tenant-0000"].map(bucketOf), [78, 6, bucketOf("tenant-0000")]);
            assert.equal(bucketOf("contoso"), bucketOf("contoso"));
        });

        it("one job for one stack, named after it", () => {
            const shards = shardStacks(["contoso"]);
            assert.deepEqual(shards, [{ bucket: 78, stacks: "contoso", name: "contoso" }]);
            assert.equal(describePlan(["contoso"], shards), "1 tenant stack in 1 job of 1 stack each (256 buckets by a hash of the stack's name)");
        });

        it("256 and 257 stacks: at most 256 jobs, every stack in the job of its bucket (none refused)", () => {
            for (const count of [MAX_MATRIX_JOBS, MAX_MATRIX_JOBS + 1]) {
                const stacks = selectStacks(tenants(count), "");
                assert.equal(stacks.length, count);
                assertPlan(stacks, shardStacks(stacks));
            }
        });

        it("a job's name lists its stacks, or the first three and how many more; its stacks are separated by commas for --stacks", () => {
            const many = tenants(1000).filter((stack) => bucketOf(stack) === 0);
            const [shard] = shardStacks(many);
            assert.ok(many.length > 3, `${many.length} stacks in bucket 0`);
            assert.equal(shard.name, `${many.slice(0, 3).join(", ")} and ${many.length - 3} more`);
            assert.equal(shard.stacks, many.join(","));
        });

        it("status jobs: at most 200 stacks each, consecutive, as even as can be", () => {
            assert.deepEqual(statusShards([]), []);
            assert.deepEqual(statusShards(["contoso"]), [{ index: 0, stacks: "contoso", name: "contoso" }]);
            const stacks = tenants(1000);
            const shards: StatusShard[] = statusShards(stacks);
            assert.equal(shards.length, 5);
            assert.deepEqual(
                shards.map((shard) => shard.stacks.split(",").length),
                [200, 200, 200, 200, 200],
            );
            assert.deepEqual(
                shards.flatMap((shard) => shard.stacks.split(",")),
                stacks,
            );
            assert.equal(shards[1].name, "tenant-0200 to tenant-0399 (200)");
            assert.deepEqual(
                statusShards(tenants(201)).map((shard) => shard.stacks.split(",").length),
                [100, 101],
            );
            assert.ok(statusShards(tenants(2500)).every((shard) => shard.stacks.split(",").length <= STATUS_SHARD_SIZE));
        });
    });

    describe("the plan for 1,000 generated tenant stack files (nothing run)", () => {
        const all = tenants(1000);
        let directory: string;
        let plan: ReturnType<typeof runScript>;
        before(() => {
            directory = stackFiles(all);
            plan = runScript(["--directory", directory]);
        });
        after(() => rmSync(directory, { recursive: true, force: true }));

        it("at most 256 jobs, every stack in exactly one, of 1 to 12 stacks; status in 5 jobs of 200", () => {
            assert.equal(plan.status, 0, plan.stderr);
            const stacks = JSON.parse(plan.outputs.stacks) as string[];
            const shards = JSON.parse(plan.outputs.shards) as Shard[];
            assert.deepEqual(stacks, all, "the example's stack and other files left out");
            assert.equal(plan.outputs.count, "1000");
            assertPlan(stacks, shards);
            const sizes = shards.map((shard) => shard.stacks.split(",").length);
            // The hash spreads these names over 250 of the 256 buckets: the largest job holds 12 tenants, the mean 4.
            assert.deepEqual([shards.length, Math.min(...sizes), Math.max(...sizes)], [250, 1, 12]);
            assert.equal(plan.stderr, "tenant-stacks: 1000 tenant stacks in 250 jobs of 1 to 12 stacks (256 buckets by a hash of the stack's name)\n");
            assert.deepEqual(
                (JSON.parse(plan.outputs["status-shards"]) as StatusShard[]).map((shard) => shard.stacks.split(",").length),
                [200, 200, 200, 200, 200],
            );
        });

        it("a tenant keeps its job's group when stacks are added and removed", () => {
            const before = bucketsOf(JSON.parse(plan.outputs.shards));
            // 100 removed, 300 added: 1,200 stacks.
            const changed = [...all.slice(100), ...tenants(300, 5000)];
            const other = stackFiles(changed);
            try {
                const after = runScript(["--directory", other]);
                assert.equal(after.status, 0, after.stderr);
                const shards = JSON.parse(after.outputs.shards) as Shard[];
                assertPlan(changed, shards);
                const buckets = bucketsOf(shards);
                const moved = all.slice(100).filter((stack) => buckets.get(stack) !== before.get(stack));
                assert.deepEqual(moved, [], "no tenant changed bucket");
            } finally {
                rmSync(other, { recursive: true, force: true });
            }
        });

        it("a selection runs the selected stacks in their own buckets, and unknown names are refused", () => {
            const selected = runScript(["--directory", directory, "--select", "tenant-0999, tenant-0007 tenant-0500"]);
            assert.equal(selected.status, 0, selected.stderr);
            assert.deepEqual(JSON.parse(selected.outputs.stacks), ["tenant-0007", "tenant-0500", "tenant-0999"]);
            const whole = bucketsOf(JSON.parse(plan.outputs.shards));
            for (const shard of JSON.parse(selected.outputs.shards) as Shard[]) {
                for (const stack of shard.stacks.split(",")) assert.equal(shard.bucket, whole.get(stack), stack);
            }
            const refused = runScript(["--directory", directory, "--select", "tenant-0001,tenant-1000"]);
            assert.equal(refused.status, 1);
            assert.match(
                refused.stderr,
                /^tenant-stacks: stacks: "tenant-1000" has no stack file \(Pulumi\.<stack>\.yaml\); expected names among: tenant-0000, /,
            );
            assert.deepEqual(refused.outputs, {}, "nothing written");
        });
    });
});
