// `npm run bench`: the program at scale through the pinned Pulumi CLI, against
// generated emulated tenants. Per tenant size it runs, with a local file backend:
//
//   bootstrap    the first `pulumi up` (every environment: user, Read-Write, System Administrator)
//   no-change    `pulumi up` again, nothing to do
//   operational  `pulumi up` after moving the stage (directory roles only)
//   refresh      `pulumi refresh`
//
// with the --parallel recommended for that size (lib/parallelism.ts; --parallel N for
// another) and the state written as recommended for it (lib/state-compression.ts:
// compressed with zstd above 50 environments; --state json or zstd for one of them at
// every size), and prints one table: the parallelism, the state's format, seconds per step, its start-up
// (bench/start-up.ts: from spawning the CLI to the program's first registration; the
// no-change row at size 1 is a whole command with nothing to do), the bound it sets for
// that step (one environment's chain of requests and waits × the rounds of `parallel`
// environments), the ratio to it, BAP + Dataverse requests per environment, Graph
// requests, answers 429, the state's size as JSON (what `pulumi stack export` gives, compact,
// whatever the file's format), and the peak memory of the CLI, of the program (the
// language host's node) and of the dynamic-provider host. Progress goes to standard
// error; --json prints the rows.
//
//   npm run bench -- [--sizes 1,10,100,300] [--latency-ms 50] [--sync-delay-ms 1000]
//                    [--parallel N] [--state recommended|json|zstd] [--json]
//
// Needs the toolchain (bash scripts/toolchain/build.sh). Figures, not assertions:
// nothing here fails on time.

import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { command, CommandSpec, UsageError, EXIT_OK, formatTable, OptionSpecs, Progress, progressFor, runMain, Task, Values } from "../cli";
import { RequestLogEntry, RunningEmulator, startEmulator } from "../emulator";
import { ENGINE_DEFAULT_PARALLEL_PER_CPU, recommendedParallel } from "../lib/parallelism";
import { STATE_COMPRESSION_VARIABLE, stateCompressionRecommended } from "../lib/state-compression";
import { createWorkspace, PulumiWorkspace } from "../workspace/pulumi-workspace";
import { count, counts } from "./options";
import { watchProcessTree } from "./process-memory";
import { watchStartUp } from "./start-up";
import { generateTenant, TenantShape } from "./tenant";

interface Options {
    readonly sizes: number[];
    readonly latencyMs: number;
    readonly syncDelayMs: number;
    /** Undefined: per size, the recommended one (lib/parallelism.ts), else Pulumi's default. */
    readonly parallel: number | undefined;
    /** How the state is written: as recommended per size, or one format at every size. */
    readonly state: StateChoice;
    readonly json: boolean;
}

const STATE_CHOICES = ["recommended", "json", "zstd"] as const;
type StateChoice = (typeof STATE_CHOICES)[number];
export type StateFormat = Exclude<StateChoice, "recommended">;

export interface BenchRow {
    readonly environments: number;
    readonly step: string;
    readonly seconds: number;
    /** From spawning the CLI to the program's first registration; null for a command that does not run the program. */
    readonly startUpSeconds: number | null;
    readonly parallel: number;
    readonly stateFormat: StateFormat;
    readonly boundSeconds: number | null;
    readonly ratio: number | null;
    readonly requestsPerEnvironment: number;
    readonly graphRequests: number;
    readonly throttled: number;
    readonly stateKiB: number;
    readonly cliPeakMiB: number;
    /** The program's process (the language host's node, running index.ts). */
    readonly programPeakMiB: number;
    readonly providerPeakMiB: number;
}

export const SPEC = {
    name: "bench",
    usage: "npm run bench -- [--sizes 1,10,100,300] [--latency-ms 50] [--sync-delay-ms 1000] [--parallel N] [--state FORMAT] [--json]",
    description:
        "The program at scale through the pinned Pulumi CLI, against generated emulated tenants: per tenant size, the\n" +
        "first update, one with nothing to do, a stage move and a refresh, as one table. Figures, not assertions.",
    options: {
        sizes: { type: "string", list: true, value: "N[,N…]", help: "tenant sizes, in environments (default 1,10,100,300)" },
        "latency-ms": { type: "string", value: "MS", help: "each emulated request's latency (default 50)" },
        "sync-delay-ms": { type: "string", value: "MS", help: "how long a new user takes to reach an environment's Dataverse (default 1000)" },
        parallel: {
            type: "string",
            value: "N",
            help: "the engine's --parallel at every size (default: per size, the one recommended for that many\nenvironments; Pulumi's own, four times the CPUs, where none is)",
        },
        state: {
            type: "string",
            value: "FORMAT",
            help: "how the state is written: recommended (default: per size, compressed with zstd above 50\nenvironments), json or zstd at every size",
        },
        json: { type: "boolean", help: "print the rows as JSON on standard output" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

function optionsOf(values: Values<typeof SPEC.options>): Options {
    return {
        sizes: counts("--sizes", values.sizes, 1, [1, 10, 100, 300]),
        latencyMs: count("--latency-ms", values["latency-ms"], 0, 50),
        syncDelayMs: count("--sync-delay-ms", values["sync-delay-ms"], 0, 1000),
        parallel: values.parallel === undefined ? undefined : count("--parallel", values.parallel, 1, 0),
        state: stateChoice(values.state),
        json: values.json,
    };
}

function stateChoice(raw: string | undefined): StateChoice {
    if (raw === undefined) return "recommended";
    if ((STATE_CHOICES as readonly string[]).includes(raw)) return raw as StateChoice;
    throw new UsageError(`--state ${JSON.stringify(raw)} is not one of ${STATE_CHOICES.join(", ")}.`);
}

/** How a size's state is written: the format asked for, else the one recommended for that many environments. */
export function stateFormat(size: number, asked: StateChoice): StateFormat {
    if (asked !== "recommended") return asked;
    return stateCompressionRecommended(size) ? "zstd" : "json";
}

/** The variable that makes the CLI write that format; "false" keeps a user's own setting out of a JSON run. */
function stateVariables(format: StateFormat): Record<string, string> {
    return { [STATE_COMPRESSION_VARIABLE]: format === "zstd" ? "true" : "false" };
}

/** The --parallel a size runs with: the one asked for, else the recommended one; undefined: Pulumi's default. */
export function parallelFlag(size: number, asked: number | undefined): number | undefined {
    return asked ?? recommendedParallel(size);
}

/** What the engine runs with: the flag, else Pulumi's default, four times GOMAXPROCS (the number of CPUs). */
function engineParallelism(size: number, options: Options): number {
    return parallelFlag(size, options.parallel) ?? ENGINE_DEFAULT_PARALLEL_PER_CPU * os.cpus().length;
}

/** The progress line's word on parallelism: "recommended per size (1: default 8, 1000: 48)". */
function describeParallel(options: Options): string {
    if (options.parallel !== undefined) return `parallel ${options.parallel}`;
    const sizes = options.sizes.map((size) => `${size}: ${parallelFlag(size, options.parallel) ?? `Pulumi's default ${engineParallelism(size, options)}`}`);
    return `parallel recommended per size (${sizes.join(", ")})`;
}

/** The progress line's word on the state: "state as recommended per size (1: json, 1000: zstd)". */
function describeState(options: Options): string {
    if (options.state !== "recommended") return `state ${options.state}`;
    return `state as recommended per size (${options.sizes.map((size) => `${size}: ${stateFormat(size, options.state)}`).join(", ")})`;
}

/**
 * The state's size as the checkpoint's compact JSON, whatever the file's format: a
 * compressed file is a thirtieth of it, and the engine encodes (and its provider reads)
 * the whole JSON all the same. `pulumi stack export` reads any backend's format.
 */
async function stateBytes(workspace: PulumiWorkspace): Promise<number> {
    const exported = await workspace.run(["stack", "export"]);
    return Buffer.byteLength(JSON.stringify(JSON.parse(exported.stdout)));
}

/** The stack's files in the local backend: `<stack>.json`, or `<stack>.json.zst` once written compressed. */
export async function stateFiles(workspace: PulumiWorkspace): Promise<string[]> {
    const stacks = path.join(workspace.stateDirectory, ".pulumi", "stacks");
    const entries = await fs.readdir(stacks, { recursive: true, withFileTypes: true });
    return entries
        .filter((entry) => entry.isFile() && entry.name.startsWith(`${workspace.stack}.json`) && !/\.(bak|attrs)$/.test(entry.name))
        .map((entry) => entry.name);
}

/** The environment a BAP or Dataverse request was for, if any. */
function environmentOf(entry: RequestLogEntry, ids: readonly string[]): string | undefined {
    if (entry.environmentId) return entry.environmentId;
    return ids.find((id) => entry.path.includes(id));
}

/**
 * One environment's critical path in this step, on average: its requests one after
 * the other, plus the user-sync delay where the user was added, minus the polls that
 * only waited out that delay (they overlap it).
 */
function chainMs(log: RequestLogEntry[], ids: readonly string[], shape: TenantShape): number {
    let total = 0;
    for (const id of ids) {
        const own = log.filter((entry) => environmentOf(entry, ids) === id);
        const added = own.find((entry) => entry.method === "POST" && /\/addUser/.test(entry.path));
        let waitingPolls = 0;
        if (added) {
            const polls = own.filter(
                (entry) => entry.method === "GET" && entry.startMs >= added.endMs && /systemusers\?\$filter=azureactivedirectoryobjectid/.test(entry.path),
            );
            waitingPolls = Math.max(0, polls.length - 1);
        }
        total += (own.length - waitingPolls) * shape.latencyMs + (added ? shape.userSyncDelayMs : 0);
    }
    return ids.length ? total / ids.length : 0;
}

async function measureStep(
    label: string,
    args: string[],
    context: {
        workspace: PulumiWorkspace;
        emulator: RunningEmulator;
        shape: TenantShape;
        ids: readonly string[];
        parallel: number;
        format: StateFormat;
        progress: Progress;
    },
): Promise<BenchRow> {
    const { workspace, emulator, shape, ids, parallel, format, progress } = context;
    emulator.clearRequests();
    const task: Task = { name: `[${shape.environments} environments] ${label}`, startedMs: Date.now(), phase: `pulumi ${args.join(" ")} …` };
    progress.started(task);
    let watcher: ReturnType<typeof watchProcessTree> | undefined;
    const startUp = await watchStartUp();
    const started = process.hrtime.bigint();
    const onStart = (pid: number) => {
        startUp.started();
        watcher = watchProcessTree(pid);
    };
    await workspace.run([...args, ...startUp.args], { onStart, env: { ...startUp.env, ...stateVariables(format) } });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const startUpSeconds = await startUp.stop();
    const memory = await watcher!.stop();
    const log = emulator.requests();
    const platform = log.filter((entry) => entry.service === "bap" || entry.service === "dataverse");
    const chain = chainMs(platform, ids, shape);
    const boundSeconds = chain > 0 ? (chain * Math.ceil(ids.length / parallel)) / 1000 : null;
    progress.finished(task, `${task.name}: ${seconds.toFixed(1)} s, ${log.length} requests`);
    return {
        environments: shape.environments,
        step: label,
        seconds: round(seconds, 1),
        startUpSeconds: startUpSeconds === null ? null : round(startUpSeconds, 1),
        parallel,
        stateFormat: format,
        boundSeconds: boundSeconds === null ? null : round(boundSeconds, 1),
        ratio: boundSeconds ? round(seconds / boundSeconds, 2) : null,
        requestsPerEnvironment: round(platform.length / shape.environments, 1),
        graphRequests: log.filter((entry) => entry.service === "graph").length,
        throttled: log.filter((entry) => entry.status === 429).length,
        stateKiB: round((await stateBytes(workspace)) / 1024, 0),
        cliPeakMiB: round(memory.mib.cli, 0),
        programPeakMiB: round(memory.mib.program, 0),
        providerPeakMiB: round(memory.mib["dynamic-providers"], 0),
    };
}

function round(value: number, digits: number): number {
    const factor = 10 ** digits;
    return Math.round(value * factor) / factor;
}

async function benchTenant(size: number, options: Options, progress: Progress): Promise<BenchRow[]> {
    const shape: TenantShape = { environments: size, latencyMs: options.latencyMs, userSyncDelayMs: options.syncDelayMs };
    const { seed, accountUpn } = await generateTenant(shape);
    const ids = seed.environments!.map((environment) => environment.id);
    const emulator = await startEmulator(seed, { warn: () => undefined });
    let workspace: PulumiWorkspace | undefined;
    try {
        const { ARM_CLIENT_SECRET: secret, ...env } = emulator.env;
        workspace = await createWorkspace({ stack: "bench", env });
        await workspace.setConfig("azuread:clientSecret", secret, { secret: true });
        await workspace.setConfig("d365-backup-access:serviceAccount", accountUpn);
        await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });
        await workspace.setConfig("d365-backup-access:stage", "bootstrap");
        const parallel = engineParallelism(size, options);
        const flag = parallelFlag(size, options.parallel);
        const flags = flag === undefined ? [] : ["--parallel", String(flag)];
        const format = stateFormat(size, options.state);
        const context = { workspace, emulator, shape, ids, parallel, format, progress };
        const rows = [await measureStep("bootstrap", ["up", "--yes", "--skip-preview", ...flags], context)];
        rows.push(await measureStep("no-change", ["up", "--yes", "--skip-preview", ...flags], context));
        await workspace.setConfig("d365-backup-access:stage", "operational");
        rows.push(await measureStep("operational", ["up", "--yes", "--skip-preview", ...flags], context));
        rows.push(await measureStep("refresh", ["refresh", "--yes", "--skip-preview", ...flags], context));
        const files = await stateFiles(workspace);
        const expected = `${workspace.stack}.json${format === "zstd" ? ".zst" : ""}`;
        if (files.length !== 1 || files[0] !== expected)
            throw new Error(`The state was to be written as ${expected}, but the backend holds ${files.join(", ") || "nothing"}.`);
        return rows;
    } finally {
        await workspace?.remove();
        await emulator.stop();
    }
}

/** The rows as a Markdown table, numbers right-aligned, ready to paste into the docs. */
export function benchTable(rows: readonly BenchRow[]): string {
    const header = [
        "envs",
        "parallel",
        "state",
        "step",
        "seconds",
        "start-up s",
        "bound s",
        "ratio",
        "req/env",
        "graph",
        "429s",
        "state KiB",
        "CLI MiB",
        "program MiB",
        "provider MiB",
    ];
    const lines = rows.map((row) => [
        String(row.environments),
        String(row.parallel),
        row.stateFormat,
        row.step,
        row.seconds.toFixed(1),
        row.startUpSeconds === null ? "-" : row.startUpSeconds.toFixed(1),
        row.boundSeconds === null ? "-" : row.boundSeconds.toFixed(1),
        row.ratio === null ? "-" : row.ratio.toFixed(2),
        row.requestsPerEnvironment.toFixed(1),
        String(row.graphRequests),
        String(row.throttled),
        String(row.stateKiB),
        String(row.cliPeakMiB),
        String(row.programPeakMiB),
        String(row.providerPeakMiB),
    ]);
    return formatTable([header, ...lines], { style: "markdown", align: header.map((name) => (name === "step" || name === "state" ? "left" : "right")) });
}

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    const options = optionsOf(values);
    const progress = progressFor(io.stderr, { prefix: "bench: " });
    progress.line(
        `sizes ${options.sizes.join(", ")}; latency ${options.latencyMs} ms; user sync ${options.syncDelayMs} ms; ` +
            `${describeParallel(options)}; ${describeState(options)}; ${os.cpus().length} CPUs`,
    );
    const rows: BenchRow[] = [];
    try {
        for (const size of options.sizes) rows.push(...(await benchTenant(size, options, progress)));
    } finally {
        progress.close();
    }
    io.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${benchTable(rows)}\n`);
    return EXIT_OK;
});

if (require.main === module) runMain(main);
