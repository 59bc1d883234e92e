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

import { RunningEmulator, startEmulator } from "../emulator";
import { createFleetProject, FleetProject } from "../workspace/fleet-workspace";
import { generateTenant } from "./tenant";
import { parseOptions as parseFlags } from "./options";
import { markdownTable } from "./table";

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

const USAGE = "usage: npm run bench:fleet -- [--tenants 6] [--environments 3] [--concurrency 1,2,4] [--latency-ms 50] [--sync-delay-ms 1000] [--json]";

function parseOptions(argv: string[]): Options {
    const defaults: Options = { tenants: 6, environments: 3, concurrency: [1, 2, 4], latencyMs: 50, syncDelayMs: 1000, json: false };
    return parseFlags(
        argv,
        defaults,
        {
            "--tenants": ["tenants", { count: 1 }],
            "--environments": ["environments", { count: 1 }],
            "--concurrency": ["concurrency", { counts: 1 }],
            "--latency-ms": ["latencyMs", { count: 0 }],
            "--sync-delay-ms": ["syncDelayMs", { count: 0 }],
            "--json": ["json", "switch"],
        },
        USAGE,
    );
}

const progress = (message: string) => process.stderr.write(`bench:fleet: ${message}\n`);

async function timeFleet(project: FleetProject, step: FleetBenchRow["step"], args: string[], options: Options, concurrency: number): Promise<FleetBenchRow> {
    progress(`[concurrency ${concurrency}] npm run fleet -- ${args.join(" ")} …`);
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
    progress(`[concurrency ${concurrency}] ${step}: ${row.seconds} s, ${row.tenantsPerMinute} tenants per minute, ${row.failed} failed, ${row.cpuSecondsPerTenant ?? "?"} CPU s per tenant`);
    return row;
}

async function benchConcurrency(concurrency: number, options: Options): Promise<FleetBenchRow[]> {
    const emulators: RunningEmulator[] = [];
    const project = await createFleetProject();
    try {
        for (let n = 1; n <= options.tenants; n++) {
            const { seed, accountUpn } = await generateTenant({ environments: options.environments, latencyMs: options.latencyMs, userSyncDelayMs: options.syncDelayMs });
            const emulator = await startEmulator({ ...seed, tenantId: `b0000000-0000-4000-9000-${String(n).padStart(12, "0")}` }, { warn: () => undefined });
            emulators.push(emulator);
            await project.addTenant(`tenant-${n}`, emulator, accountUpn, "bootstrap");
        }
        return [await timeFleet(project, "up", ["up", "--all"], options, concurrency), await timeFleet(project, "status", ["status", "--all"], options, concurrency)];
    } finally {
        await Promise.all(emulators.map((emulator) => emulator.stop()));
        await project.remove();
    }
}

export function formatTable(rows: readonly FleetBenchRow[]): string {
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
    return markdownTable(header, lines, 3);
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    progress(
        `${options.tenants} tenants of ${options.environments} environments; concurrency ${options.concurrency.join(", ")}; ` +
            `latency ${options.latencyMs} ms; user sync ${options.syncDelayMs} ms; ${os.cpus().length} CPUs`,
    );
    const rows: FleetBenchRow[] = [];
    for (const concurrency of options.concurrency) rows.push(...(await benchConcurrency(concurrency, options)));
    process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(rows)}\n`);
}

if (require.main === module) {
    main().catch((error) => {
        process.stderr.write(`bench:fleet: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
