// `npm run bench:fleet`: how many tenants per minute `npm run fleet` brings to a stage,
// and reads, at each concurrency. Per concurrency it starts fresh emulated tenants
// (generated like the CLI benchmark's: N environments each, a latency per request and
// a user-sync delay), one stack each in one throwaway project with a local file
// backend, then times, through the real command and the pinned CLI:
//
//   up       npm run fleet -- up --all --stage bootstrap --concurrency C   (first update of every tenant)
//   status   npm run fleet -- status --all --concurrency C                (read-only: tenant + refresh preview)
//
// and prints one table: seconds, tenants per minute, CPU seconds per tenant (the
// command and every process under it), tenants failed. Progress goes to
// standard error; --json prints the rows. Figures, not assertions.
//
//   npm run bench:fleet -- [--tenants 6] [--environments 3] [--concurrency 1,2,4]
//                          [--latency-ms 50] [--sync-delay-ms 1000] [--json]

import { readFileSync } from "fs";
import * as os from "os";

import { command, CommandSpec, EXIT_OK, formatTable, OptionSpecs, Progress, progressFor, runMain, Task, Values } from "../cli";
import { RunningEmulator, startEmulator } from "../emulator";
import { createFleetProject, FleetProject } from "../workspace/fleet-workspace";
import { count, counts } from "./options";
import { generateTenant } from "./tenant";

interface Options {
    readonly tenants: number;
    readonly environments: number;
    readonly concurrency: number[];
    readonly latencyMs: number;
    readonly syncDelayMs: number;
    readonly json: boolean;
}

export interface FleetBenchRow {
    readonly concurrency: number;
    readonly tenants: number;
    readonly environmentsPerTenant: number;
    readonly step: "up" | "status";
    readonly seconds: number;
    readonly tenantsPerMinute: number;
    readonly failed: number;
    /** CPU seconds (user + system) of the fleet command and every process under it, per tenant; null off Linux. */
    readonly cpuSecondsPerTenant: number | null;
}

/** Linux's clock ticks per second (getconf CLK_TCK), the unit of /proc times; 100 on every common kernel. */
const CLOCK_TICKS = 100;

/**
 * CPU time of this process's finished children and their own waited-for descendants
 * (cutime + cstime of /proc/self/stat): the fleet command, the CLI runs, the programs and
 * the plugins under it. Null where /proc is not there.
 */
function childrenCpuSeconds(): number | null {
    try {
        const stat = readFileSync("/proc/self/stat", "utf8");
        // Fields after the command name (which may hold spaces) in parentheses; cutime and cstime are fields 16 and 17.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
    } catch {
        return null;
    }
}

export const SPEC = {
    name: "bench:fleet",
    usage: "npm run bench:fleet -- [--tenants 6] [--environments 3] [--concurrency 1,2,4] [--latency-ms 50] [--sync-delay-ms 1000] [--json]",
    description:
        "How many tenants per minute `npm run fleet` brings to a stage, and reads, at each concurrency: fresh emulated\n" +
        "tenants, one stack each, timed through the real command and the pinned CLI. Figures, not assertions.",
    options: {
        tenants: { type: "string", value: "N", help: "emulated tenants (default 6)" },
        environments: { type: "string", value: "N", help: "environments per tenant (default 3)" },
        concurrency: { type: "string", list: true, value: "N[,N…]", help: "the fleet's --concurrency, one run each (default 1,2,4)" },
        "latency-ms": { type: "string", value: "MS", help: "each emulated request's latency (default 50)" },
        "sync-delay-ms": { type: "string", value: "MS", help: "how long a new user takes to reach an environment's Dataverse (default 1000)" },
        json: { type: "boolean", help: "print the rows as JSON on standard output" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

function optionsOf(values: Values<typeof SPEC.options>): Options {
    return {
        tenants: count("--tenants", values.tenants, 1, 6),
        environments: count("--environments", values.environments, 1, 3),
        concurrency: counts("--concurrency", values.concurrency, 1, [1, 2, 4]),
        latencyMs: count("--latency-ms", values["latency-ms"], 0, 50),
        syncDelayMs: count("--sync-delay-ms", values["sync-delay-ms"], 0, 1000),
        json: values.json,
    };
}

async function timeFleet(
    project: FleetProject,
    step: FleetBenchRow["step"],
    args: string[],
    options: Options,
    concurrency: number,
    progress: Progress,
): Promise<FleetBenchRow> {
    const task: Task = { name: `[concurrency ${concurrency}] ${step}`, startedMs: Date.now(), phase: `npm run fleet -- ${args.join(" ")} …` };
    progress.started(task);
    const cpuBefore = childrenCpuSeconds();
    const { code, stdout, stderr } = await project.fleet([...args, "--concurrency", String(concurrency), "--json"]);
    const cpuAfter = childrenCpuSeconds();
    let report: { durationSeconds: number; failed: string[] };
    try {
        report = JSON.parse(stdout);
    } catch {
        throw new Error(`npm run fleet -- ${args.join(" ")} exited with ${code} without a report:\n${stderr}`);
    }
    const row: FleetBenchRow = {
        concurrency,
        tenants: options.tenants,
        environmentsPerTenant: options.environments,
        step,
        seconds: Math.round(report.durationSeconds * 10) / 10,
        tenantsPerMinute: Math.round((options.tenants / report.durationSeconds) * 60 * 10) / 10,
        failed: report.failed.length,
        cpuSecondsPerTenant: cpuBefore === null || cpuAfter === null ? null : Math.round(((cpuAfter - cpuBefore) / options.tenants) * 10) / 10,
    };
    progress.finished(
        task,
        `${task.name}: ${row.seconds} s, ${row.tenantsPerMinute} tenants per minute, ${row.failed} failed, ${row.cpuSecondsPerTenant ?? "?"} CPU s per tenant`,
    );
    return row;
}

async function benchConcurrency(concurrency: number, options: Options, progress: Progress): Promise<FleetBenchRow[]> {
    const emulators: RunningEmulator[] = [];
    const project = await createFleetProject();
    try {
        for (let n = 1; n <= options.tenants; n++) {
            const { seed, accountUpn } = await generateTenant({
                environments: options.environments,
                latencyMs: options.latencyMs,
                userSyncDelayMs: options.syncDelayMs,
            });
            const emulator = await startEmulator({ ...seed, tenantId: `b0000000-0000-4000-9000-${String(n).padStart(12, "0")}` }, { warn: () => undefined });
            emulators.push(emulator);
            await project.addTenant(`tenant-${n}`, emulator, accountUpn, "bootstrap");
        }
        return [
            await timeFleet(project, "up", ["up", "--all"], options, concurrency, progress),
            await timeFleet(project, "status", ["status", "--all"], options, concurrency, progress),
        ];
    } finally {
        await Promise.all(emulators.map((emulator) => emulator.stop()));
        await project.remove();
    }
}

/** The rows as a Markdown table, numbers right-aligned, ready to paste into the docs. */
export function fleetBenchTable(rows: readonly FleetBenchRow[]): string {
    const header = ["concurrency", "tenants", "envs/tenant", "step", "seconds", "tenants/min", "CPU s/tenant", "failed"];
    const lines = rows.map((row) => [
        String(row.concurrency),
        String(row.tenants),
        String(row.environmentsPerTenant),
        row.step,
        row.seconds.toFixed(1),
        row.tenantsPerMinute.toFixed(1),
        row.cpuSecondsPerTenant === null ? "-" : row.cpuSecondsPerTenant.toFixed(1),
        String(row.failed),
    ]);
    return formatTable([header, ...lines], { style: "markdown", align: header.map((_, column) => (column === 3 ? "left" : "right")) });
}

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    const options = optionsOf(values);
    const progress = progressFor(io.stderr, { prefix: "bench:fleet: " });
    progress.line(
        `${options.tenants} tenants of ${options.environments} environments; concurrency ${options.concurrency.join(", ")}; ` +
            `latency ${options.latencyMs} ms; user sync ${options.syncDelayMs} ms; ${os.cpus().length} CPUs`,
    );
    const rows: FleetBenchRow[] = [];
    try {
        for (const concurrency of options.concurrency) rows.push(...(await benchConcurrency(concurrency, options, progress)));
    } finally {
        progress.close();
    }
    io.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${fleetBenchTable(rows)}\n`);
    return EXIT_OK;
});

if (require.main === module) runMain(main);
