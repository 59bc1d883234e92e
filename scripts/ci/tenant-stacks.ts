// The tenant stacks a CI run works on, as a GitHub Actions matrix: one job per stack.
//
// The list comes from the committed stack files, `Pulumi.<stack>.yaml`, not from the
// state backend: with a self-managed backend (Azure Blob storage) a stack's
// configuration — its tenant id, service account, environments and secrets provider —
// lives only in that file, so a stack without one cannot be previewed or updated, and
// a pull request that adds or changes a tenant's file is previewed for that tenant.
// Reading files also needs no sign-in, so the list job holds no credentials.
// `Pulumi.dev.yaml` is not a tenant's: it is the worked example, the stack of the tenant
// emulator's demo tenant, whose endpoints and operator come from the emulator's shell, so
// the list leaves it out and refuses it by name.
//
//   npx ts-node --transpile-only scripts/ci/tenant-stacks.ts [--select "contoso, fabrikam"]
//
// Prints the matrix; in GitHub Actions (GITHUB_OUTPUT set) also writes `stacks` (a
// JSON array) and `count` as step outputs. A selected name without a stack file, a
// stack file whose name Pulumi would refuse, or more stacks than one matrix can hold
// is an error that names it, before any job starts.

import { promises as fs } from "fs";
import * as path from "path";

import { messageOf } from "../../cli";

/** GitHub Actions runs at most 256 jobs from one matrix per workflow run. */
export const MAX_MATRIX_JOBS = 256;

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;
/** Pulumi's rule for a stack name: letters, digits, `-`, `_` and `.`, at most 100 characters. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The worked example's stack (Pulumi.dev.yaml): the tenant emulator's demo tenant, never a tenant. */
export const EXAMPLE_STACK = "dev";

/** The stack a file name belongs to (`Pulumi.contoso.yaml` → `contoso`); undefined for other files. */
export function stackOfFile(fileName: string): string | undefined {
    return STACK_FILE.exec(fileName)?.[1];
}

/** Every tenant stack with a stack file among these names, sorted, the example's left out; refuses a name Pulumi would refuse. */
export function tenantStacks(fileNames: readonly string[]): string[] {
    const stacks = fileNames.map(stackOfFile).filter((stack): stack is string => stack !== undefined && stack !== EXAMPLE_STACK);
    const invalid = stacks.filter((stack) => !STACK_NAME.test(stack));
    if (invalid.length > 0) {
        throw new Error(
            `${invalid.map((stack) => `Pulumi.${stack}.yaml`).join(", ")}: not a valid stack name; ` +
                `expected letters, digits, "-", "_" or "." (at most 100 characters) between "Pulumi." and ".yaml".`,
        );
    }
    return [...new Set(stacks)].sort();
}

/**
 * The stacks a run works on: every stack when the selection is blank, else the named
 * ones (separated by commas or white space), in the order of `all`. Names without a
 * stack file are refused together, with the stacks there are.
 */
export function selectStacks(all: readonly string[], selection: string): string[] {
    const wanted = selection.split(/[\s,]+/).filter((name) => name !== "");
    if (wanted.includes(EXAMPLE_STACK)) {
        throw new Error(
            `stacks: "${EXAMPLE_STACK}" is the worked example's stack (Pulumi.${EXAMPLE_STACK}.yaml), which runs against the tenant emulator's ` +
                `demo tenant, not a tenant's; leave it out of the stacks input.`,
        );
    }
    const chosen = wanted.length === 0 ? [...all] : all.filter((stack) => wanted.includes(stack));
    const unknown = [...new Set(wanted.filter((name) => !all.includes(name)))];
    if (unknown.length > 0) {
        throw new Error(
            `stacks: ${unknown.map((name) => JSON.stringify(name)).join(", ")} ${unknown.length === 1 ? "has" : "have"} no stack file ` +
                `(Pulumi.<stack>.yaml); expected names among: ${all.length > 0 ? all.join(", ") : "(no stack files are committed)"}.`,
        );
    }
    if (chosen.length > MAX_MATRIX_JOBS) {
        throw new Error(
            `${chosen.length} stacks selected, but GitHub Actions runs at most ${MAX_MATRIX_JOBS} jobs from one matrix; ` +
                `run the workflow more than once, each time with a part of them in the stacks input.`,
        );
    }
    return chosen;
}

function parseSelection(argv: readonly string[]): string {
    if (argv.length === 0) return "";
    if (argv[0] === "--select" && argv.length === 2) return argv[1];
    throw new Error(`unexpected arguments ${JSON.stringify(argv)}; usage: tenant-stacks.ts [--select "<stack>, <stack>"]`);
}

async function main(): Promise<void> {
    const selection = parseSelection(process.argv.slice(2));
    const projectDirectory = path.resolve(__dirname, "..", "..");
    const stacks = selectStacks(tenantStacks(await fs.readdir(projectDirectory)), selection);
    const outputs = `stacks=${JSON.stringify(stacks)}\ncount=${stacks.length}\n`;
    if (process.env.GITHUB_OUTPUT) await fs.appendFile(process.env.GITHUB_OUTPUT, outputs);
    process.stdout.write(outputs);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`tenant-stacks: ${messageOf(error)}\n`);
        process.exit(1);
    });
}
