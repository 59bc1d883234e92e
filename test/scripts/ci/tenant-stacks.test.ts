import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

import { EXAMPLE_STACK, MAX_MATRIX_JOBS, selectStacks, stackOfFile, tenantStacks } from "../../../scripts/ci/tenant-stacks";

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

    it(`refuse more stacks than one matrix runs (${MAX_MATRIX_JOBS}), saying how to split them`, () => {
        const many = Array.from({ length: MAX_MATRIX_JOBS + 1 }, (_, i) => `tenant-${i}`);
        assert.equal(selectStacks(many.slice(1), "").length, MAX_MATRIX_JOBS);
        assert.throws(
            () => selectStacks(many, ""),
            /257 stacks selected, but GitHub Actions runs at most 256 jobs from one matrix; run the workflow more than once/,
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
            // example's): the matrix is empty and the tenant job is skipped (count 0).
            const ok = run([]);
            assert.equal(ok.status, 0, ok.stderr);
            assert.equal(readFileSync(outputFile, "utf8"), "stacks=[]\ncount=0\n");
            const bad = run(["--select", "contoso"]);
            assert.equal(bad.status, 1);
            assert.match(bad.stderr, /^tenant-stacks: stacks: "contoso" has no stack file/);
            assert.equal(readFileSync(outputFile, "utf8"), "stacks=[]\ncount=0\n", "nothing more was written");
        } finally {
            rmSync(directory, { recursive: true, force: true });
        }
    });
});
