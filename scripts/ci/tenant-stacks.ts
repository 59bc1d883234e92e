// The tenant stacks a CI run works on, as a GitHub Actions matrix of shards: each stack
// goes to one of BUCKETS buckets by a hash of its name, and each bucket that holds a
// stack is one job, which runs the fleet over the bucket's stacks.
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
// Why buckets by hash, not N stacks per job: a job's concurrency group is what keeps two
// updates of one tenant from running at once, across runs, and GitHub groups jobs, not
// tenants. A bucket depends on the stack's name alone, so a tenant is in the same group
// in every run, whatever else is selected or committed; a slice of the sorted list would
// move tenants between groups whenever a stack is added. The price: tenants that share a
// bucket share its group, so an update of one waits for a running update of the other
// (docs/ci.md, "In GitHub Actions"). BUCKETS is GitHub's limit of jobs per matrix, so
// the number of jobs never exceeds it and changing it would move every tenant's group.
//
//   npx ts-node --transpile-only scripts/ci/tenant-stacks.ts [--select "contoso, fabrikam"] [--directory DIR]
//
// Prints the step outputs: `stacks` (a JSON array of the selected stacks), `count`,
// `shards` (the tenant jobs' matrix: a JSON array of {bucket, stacks, name}, stacks
// separated by commas as `fleet --stacks` takes them) and `status-shards` (the status
// jobs': {index, stacks, name}, at most STATUS_SHARD_SIZE stacks each), and on standard error how the stacks spread
// over the jobs; in GitHub Actions (GITHUB_OUTPUT set) it also writes the outputs there.
// --directory reads the stack files of another folder (the plan's test: 1,000 generated
// stacks). A selected name without a stack file or a stack file whose name Pulumi would
// refuse is an error that names it, before any job starts.

import { createHash } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";

import { messageOf } from "../../cli";

/** GitHub Actions runs at most 256 jobs from one matrix per workflow run. */
export const MAX_MATRIX_JOBS = 256;

/**
 * The fixed number of buckets, one concurrency group each. Fixed, so that a tenant's
 * bucket never depends on how many stacks there are; changing it moves most tenants to
 * another group (a run of the old workflow and one of the new would not wait for each other).
 */
export const BUCKETS = MAX_MATRIX_JOBS;

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
    return chosen;
}

/**
 * A stack's bucket, 0 to BUCKETS - 1: the first four bytes of the SHA-256 of its name, as
 * an unsigned number, modulo BUCKETS. The same in every run, on every machine and Node.js
 * version, and for every set of other stacks.
 */
export function bucketOf(stack: string): number {
    return createHash("sha256").update(stack, "utf8").digest().readUInt32BE(0) % BUCKETS;
}

/** One job of the matrix: a bucket's stacks. */
export interface Shard {
    readonly bucket: number;
    /** Separated by commas, as `npm run fleet -- <command> --stacks` takes them. */
    readonly stacks: string;
    /** For the job's name: the stacks, or the first few and how many more. */
    readonly name: string;
}

/** Stacks named in a job's name before "and N more": a longer name is cut in GitHub's list of jobs. */
const NAMED_IN_JOB = 3;

/** The jobs for these stacks: one per bucket that holds any, by bucket; each bucket's stacks in the order given. */
export function shardStacks(stacks: readonly string[]): Shard[] {
    const buckets = new Map<number, string[]>();
    for (const stack of stacks) {
        const bucket = bucketOf(stack);
        buckets.set(bucket, [...(buckets.get(bucket) ?? []), stack]);
    }
    return [...buckets.entries()]
        .sort(([a], [b]) => a - b)
        .map(([bucket, members]) => ({
            bucket,
            stacks: members.join(","),
            name:
                members.length <= NAMED_IN_JOB ? members.join(", ") : `${members.slice(0, NAMED_IN_JOB).join(", ")} and ${members.length - NAMED_IN_JOB} more`,
        }));
}

/**
 * Stacks per status job. The status jobs only read, so no tenant needs a group of its
 * own and they are cut from the sorted list: the fewest jobs (each pays about a minute
 * of set-up) that stay well inside a job's 60 minutes; `fleet status` reads about 16
 * tenants per minute on 2 cores (docs/fleet.md, "How many at a time"), so 200 take
 * about 13 minutes.
 */
export const STATUS_SHARD_SIZE = 200;

/** One status job: consecutive stacks of the sorted list. */
export interface StatusShard {
    readonly index: number;
    /** Separated by commas, as `npm run fleet -- status --stacks` takes them. */
    readonly stacks: string;
    readonly name: string;
}

/** The status jobs for these stacks: at most STATUS_SHARD_SIZE each, as even as can be. */
export function statusShards(stacks: readonly string[]): StatusShard[] {
    const count = Math.ceil(stacks.length / STATUS_SHARD_SIZE);
    return Array.from({ length: count }, (_, index) => {
        const members = stacks.slice(Math.floor((index * stacks.length) / count), Math.floor(((index + 1) * stacks.length) / count));
        const name = members.length === 1 ? members[0] : `${members[0]} to ${members[members.length - 1]} (${members.length})`;
        return { index, stacks: members.join(","), name };
    });
}

/** "1000 tenant stacks in 250 jobs of 1 to 10 stacks (256 buckets)": how the stacks spread, for the run's log. */
export function describePlan(stacks: readonly string[], shards: readonly Shard[]): string {
    const sizes = shards.map((shard) => shard.stacks.split(",").length);
    const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
    const spread =
        sizes.length === 0 ? "" : ` of ${smallest === largest ? `${largest} stack${largest === 1 ? "" : "s"} each` : `${smallest} to ${largest} stacks`}`;
    return (
        `${stacks.length} tenant stack${stacks.length === 1 ? "" : "s"} in ${shards.length} job${shards.length === 1 ? "" : "s"}${spread} ` +
        `(${BUCKETS} buckets by a hash of the stack's name)`
    );
}

interface Arguments {
    readonly selection: string;
    readonly directory: string | undefined;
}

const USAGE = 'usage: tenant-stacks.ts [--select "<stack>, <stack>"] [--directory DIR]';

function parseArguments(argv: readonly string[]): Arguments {
    let selection = "";
    let directory: string | undefined;
    for (let i = 0; i < argv.length; i += 2) {
        const [name, value] = [argv[i], argv[i + 1]];
        if (value === undefined || (name !== "--select" && name !== "--directory")) {
            throw new Error(`unexpected arguments ${JSON.stringify(argv)}; ${USAGE}`);
        }
        if (name === "--select") selection = value;
        else directory = value;
    }
    return { selection, directory };
}

async function main(): Promise<void> {
    const { selection, directory } = parseArguments(process.argv.slice(2));
    const projectDirectory = directory ? path.resolve(directory) : path.resolve(__dirname, "..", "..");
    const stacks = selectStacks(tenantStacks(await fs.readdir(projectDirectory)), selection);
    const shards = shardStacks(stacks);
    const outputs =
        `stacks=${JSON.stringify(stacks)}\ncount=${stacks.length}\nshards=${JSON.stringify(shards)}\n` +
        `status-shards=${JSON.stringify(statusShards(stacks))}\n`;
    if (process.env.GITHUB_OUTPUT) await fs.appendFile(process.env.GITHUB_OUTPUT, outputs);
    process.stdout.write(outputs);
    process.stderr.write(`tenant-stacks: ${describePlan(stacks, shards)}\n`);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`tenant-stacks: ${messageOf(error)}\n`);
        process.exit(1);
    });
}
