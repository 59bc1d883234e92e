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
// --plan N goes on from the first concurrency's run to a plan for N tenants (and for
// 10, 100, 1,000 and 10,000): what one tenant cost (CPU, wall time in a slot, requests
// by kind, from each emulator's request log), then the runner-minutes, the wall time
// through the tenants workflow on a few GitHub plans, and the peak of each shared limit
// Microsoft publishes, with the one that binds first; the arithmetic is fleet-plan.ts.
//
//   npm run bench:fleet -- [--tenants 6] [--environments 3] [--concurrency 1,2,4]
//                          [--latency-ms 50] [--sync-delay-ms 1000] [--json]
//                          [--plan N [--jobs 256] [--job-setup-seconds 60]]

import { readFileSync } from "fs";
import * as os from "os";

import { command, CommandSpec, EXIT_OK, formatTable, OptionSpecs, Progress, progressFor, runMain, Task, Values } from "../cli";
import { RequestLogEntry, RunningEmulator, startEmulator } from "../emulator";
import { DEFAULT_CONCURRENCY } from "../fleet/options";
import { createFleetProject, FleetProject } from "../workspace/fleet-workspace";
import {
    DEFAULT_ASSUMPTIONS,
    FleetPlan,
    GITHUB_PLANS,
    isWrite,
    PlanAssumptions,
    planFleet,
    requestKinds,
    routeOf,
    SHARED_LIMITS,
    TenantCost,
    tenantsReaching,
    TimedRequest,
} from "./fleet-plan";
import { count, counts } from "./options";
import { CLOCK_TICKS, watchTreeCpu } from "./process-memory";
import { generateTenant } from "./tenant";

interface Options {
    readonly tenants: number;
    readonly environments: number;
    readonly concurrency: number[];
    readonly latencyMs: number;
    readonly syncDelayMs: number;
    readonly json: boolean;
    /** --plan: the tenants to plan for; undefined: no plan. */
    readonly plan: number | undefined;
    readonly assumptions: PlanAssumptions;
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
    /** The same, summed from samples of each process under this one: a lower bound that needs no parent to wait for its children. */
    readonly sampledCpuSecondsPerTenant: number | null;
}

/** A timed run's row and each tenant's requests, from its emulator's log. */
interface Measured {
    readonly row: FleetBenchRow;
    readonly runs: TimedRequest[][];
}

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
    usage:
        "npm run bench:fleet -- [--tenants 6] [--environments 3] [--concurrency 1,2,4] [--latency-ms 50] [--sync-delay-ms 1000] [--json]\n" +
        "                         [--plan N [--jobs 256] [--job-setup-seconds 60]]",
    description:
        "How many tenants per minute `npm run fleet` brings to a stage, and reads, at each concurrency: fresh emulated\n" +
        "tenants, one stack each, timed through the real command and the pinned CLI. With --plan N, what N tenants cost\n" +
        "through the tenants workflow and how near each shared Microsoft limit they come. Figures, not assertions.",
    options: {
        tenants: { type: "string", value: "N", help: "emulated tenants (default 6)" },
        environments: { type: "string", value: "N", help: "environments per tenant (default 3)" },
        concurrency: {
            type: "string",
            list: true,
            value: "N[,N…]",
            help: `the fleet's --concurrency, one run each (default 1,2,4; with --plan ${DEFAULT_CONCURRENCY}, the fleet's default); the plan uses the first`,
        },
        "latency-ms": { type: "string", value: "MS", help: "each emulated request's latency (default 50)" },
        "sync-delay-ms": { type: "string", value: "MS", help: "how long a new user takes to reach an environment's Dataverse (default 1000)" },
        json: { type: "boolean", help: "print the rows (and the plan) as JSON on standard output" },
        plan: { type: "string", value: "N", help: "plan for N tenants from the first concurrency's run (also shows 10, 100, 1,000 and 10,000)" },
        jobs: { type: "string", value: "N", help: `with --plan: jobs the tenants workflow spreads the stacks over (default ${DEFAULT_ASSUMPTIONS.jobs})` },
        "job-setup-seconds": {
            type: "string",
            value: "S",
            help: `with --plan: a job's set-up before the fleet starts, not measured here (default ${DEFAULT_ASSUMPTIONS.jobSetupSeconds})`,
        },
    },
} as const satisfies CommandSpec<OptionSpecs>;

function optionsOf(values: Values<typeof SPEC.options>): Options {
    const plan = values.plan === undefined ? undefined : count("--plan", values.plan, 1, 0);
    const concurrency = counts("--concurrency", values.concurrency, 1, plan === undefined ? [1, 2, 4] : [DEFAULT_CONCURRENCY]);
    return {
        tenants: count("--tenants", values.tenants, 1, 6),
        environments: count("--environments", values.environments, 1, 3),
        concurrency,
        latencyMs: count("--latency-ms", values["latency-ms"], 0, 50),
        syncDelayMs: count("--sync-delay-ms", values["sync-delay-ms"], 0, 1000),
        json: values.json,
        plan,
        assumptions: {
            ...DEFAULT_ASSUMPTIONS,
            concurrency: concurrency[0],
            jobs: count("--jobs", values.jobs, 1, DEFAULT_ASSUMPTIONS.jobs),
            jobSetupSeconds: count("--job-setup-seconds", values["job-setup-seconds"], 0, DEFAULT_ASSUMPTIONS.jobSetupSeconds),
        },
    };
}

/** One emulator's log as one tenant's run: times from its first request, kinds without ids. */
function tenantRequests(log: readonly RequestLogEntry[]): TimedRequest[] {
    const served = log.filter((entry) => entry.service === "graph" || entry.service === "bap" || entry.service === "dataverse");
    const origin = Math.min(...served.map((entry) => entry.startMs));
    return served.map((entry) => ({
        service: entry.service as TimedRequest["service"],
        method: entry.method,
        route: routeOf(entry.path),
        environmentId: entry.service === "dataverse" ? entry.environmentId : undefined,
        startMs: entry.startMs - origin,
        endMs: entry.endMs - origin,
    }));
}

async function timeFleet(
    project: FleetProject,
    emulators: readonly RunningEmulator[],
    step: FleetBenchRow["step"],
    args: string[],
    options: Options,
    concurrency: number,
    progress: Progress,
): Promise<Measured> {
    const task: Task = { name: `[concurrency ${concurrency}] ${step}`, startedMs: Date.now(), phase: `npm run fleet -- ${args.join(" ")} …` };
    progress.started(task);
    for (const emulator of emulators) emulator.clearRequests();
    const sampled = process.platform === "linux" ? watchTreeCpu(process.pid) : undefined;
    const cpuBefore = childrenCpuSeconds();
    const { code, stdout, stderr } = await project.fleet([...args, "--concurrency", String(concurrency), "--json"]);
    const cpuAfter = childrenCpuSeconds();
    const sampledCpu = sampled ? await sampled.stop() : undefined;
    let report: { durationSeconds: number; failed: string[] };
    try {
        report = JSON.parse(stdout);
    } catch {
        throw new Error(`npm run fleet -- ${args.join(" ")} exited with ${code} without a report:\n${stderr}`);
    }
    const perTenant = (seconds: number) => Math.round((seconds / options.tenants) * 10) / 10;
    const row: FleetBenchRow = {
        concurrency,
        tenants: options.tenants,
        environmentsPerTenant: options.environments,
        step,
        seconds: Math.round(report.durationSeconds * 10) / 10,
        tenantsPerMinute: Math.round((options.tenants / report.durationSeconds) * 60 * 10) / 10,
        failed: report.failed.length,
        cpuSecondsPerTenant: cpuBefore === null || cpuAfter === null ? null : perTenant(cpuAfter - cpuBefore),
        sampledCpuSecondsPerTenant: sampledCpu === undefined ? null : perTenant(sampledCpu),
    };
    progress.finished(
        task,
        `${task.name}: ${row.seconds} s, ${row.tenantsPerMinute} tenants per minute, ${row.failed} failed, ${row.cpuSecondsPerTenant ?? "?"} CPU s per tenant`,
    );
    return { row, runs: emulators.map((emulator) => tenantRequests(emulator.requests())) };
}

async function benchConcurrency(concurrency: number, options: Options, progress: Progress): Promise<{ rows: FleetBenchRow[]; cost: TenantCost }> {
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
        const up = await timeFleet(project, emulators, "up", ["up", "--all"], options, concurrency, progress);
        const status = await timeFleet(project, emulators, "status", ["status", "--all"], options, concurrency, progress);
        const statusDataverse = status.runs.reduce((sum, run) => sum + run.filter((request) => request.service === "dataverse").length, 0);
        const cost: TenantCost = {
            environments: options.environments,
            cpuSeconds: Math.max(up.row.cpuSecondsPerTenant ?? 0, up.row.sampledCpuSecondsPerTenant ?? 0),
            slotSeconds: (up.row.seconds * concurrency) / options.tenants,
            concurrency,
            runs: up.runs.map((requests) => ({ requests })),
            statusDataverseRequests: statusDataverse / options.tenants,
        };
        return { rows: [up.row, status.row], cost };
    } finally {
        await Promise.all(emulators.map((emulator) => emulator.stop()));
        await project.remove();
    }
}

/** The rows as a Markdown table, numbers right-aligned, ready to paste into the docs. */
export function fleetBenchTable(rows: readonly FleetBenchRow[]): string {
    const header = ["concurrency", "tenants", "envs/tenant", "step", "seconds", "tenants/min", "CPU s/tenant", "sampled CPU s", "failed"];
    const lines = rows.map((row) => [
        String(row.concurrency),
        String(row.tenants),
        String(row.environmentsPerTenant),
        row.step,
        row.seconds.toFixed(1),
        row.tenantsPerMinute.toFixed(1),
        row.cpuSecondsPerTenant === null ? "-" : row.cpuSecondsPerTenant.toFixed(1),
        row.sampledCpuSecondsPerTenant === null ? "-" : row.sampledCpuSecondsPerTenant.toFixed(1),
        String(row.failed),
    ]);
    return formatTable([header, ...lines], { style: "markdown", align: header.map((_, column) => (column === 3 ? "left" : "right")) });
}

const STEPS = [10, 100, 1_000, 10_000];

function minutes(seconds: number): string {
    return (seconds / 60).toFixed(1);
}

function percent(value: number): string {
    return value < 0.1 ? "< 0.1 %" : `${value.toFixed(1)} %`;
}

/** What one tenant cost: the measured figures, then its requests by kind. */
export function costText(cost: TenantCost): string {
    const all = cost.runs.flatMap((run) => run.requests);
    const perTenant = (filter: (request: TimedRequest) => boolean) => (all.filter(filter).length / Math.max(1, cost.runs.length)).toFixed(1);
    const summary = [
        `One tenant's first update (${cost.runs.length} tenants of ${cost.environments} environments, fleet concurrency ${cost.concurrency}, on ${os.cpus().length} CPUs):`,
        `  CPU ${cost.cpuSeconds.toFixed(1)} s (the whole process tree); ${cost.slotSeconds.toFixed(1)} s of a slot's wall time;`,
        `  Graph ${perTenant((r) => r.service === "graph" && !isWrite(r))} reads + ${perTenant((r) => r.service === "graph" && isWrite(r))} writes; ` +
            `BAP ${perTenant((r) => r.service === "bap")}; Dataverse ${perTenant((r) => r.service === "dataverse")} ` +
            `(and ${cost.statusDataverseRequests.toFixed(1)} in a daily status read).`,
    ];
    const kinds = requestKinds(cost.runs).map((kind) => [kind.service, kind.method, kind.route, kind.perTenant.toFixed(1)]);
    const table = formatTable([["service", "method", "request", "per tenant"], ...kinds], { style: "markdown", align: ["left", "left", "left", "right"] });
    return `${summary.join("\n")}\n\n${table}`;
}

/** The plan for each step and GitHub plan: time and minutes, then every limit's share at --plan N. */
export function planText(tenants: number, cost: TenantCost, assumptions: PlanAssumptions): string {
    const steps = [...new Set([...STEPS, tenants])].sort((a, b) => a - b);
    const rows = steps.flatMap((n) => GITHUB_PLANS.map((plan) => planFleet(n, cost, plan, assumptions)));
    const header = ["tenants", "GitHub plan", "jobs", "tenants/job", "job min", "waves", "wall min", "runner-min", "CPU h", "in flight", "highest limit"];
    const timeTable = formatTable(
        [
            header,
            ...rows.map((row) => [
                String(row.tenants),
                `${row.plan.name} (${row.plan.concurrentJobs})`,
                String(row.jobs),
                String(row.tenantsPerJob),
                minutes(row.jobSeconds),
                String(row.waves),
                minutes(row.wallSeconds),
                String(row.runnerMinutes),
                row.cpuHours.toFixed(2),
                String(row.inFlight),
                percent(row.binding.percent),
            ]),
        ],
        { style: "markdown", align: header.map((_, column) => (column === 1 ? "left" : "right")) },
    );
    const atN = GITHUB_PLANS.map((plan) => planFleet(tenants, cost, plan, assumptions));
    const widest = GITHUB_PLANS[GITHUB_PLANS.length - 1];
    const limitHeader = [
        "shared limit",
        "scope",
        ...GITHUB_PLANS.map((plan) => `${plan.name}, ${tenants}`),
        `50 % at N (${widest.name})`,
        `100 % at N (${widest.name})`,
    ];
    const reachText = (n: string) => (n === "never" ? "at no number of tenants" : `from ${n} tenants`);
    const reach = (index: number, share: number) => {
        const n = tenantsReaching(SHARED_LIMITS[index], share, cost, widest, assumptions);
        return n === undefined ? "never" : String(n);
    };
    const limitTable = formatTable(
        [
            limitHeader,
            ...SHARED_LIMITS.map((limit, index) => [
                limit.name,
                limit.scope,
                ...atN.map((plan) => `${percent(plan.limits[index].percent)} (${plan.limits[index].peak})`),
                reach(index, 50),
                reach(index, 100),
            ]),
        ],
        { style: "markdown", align: limitHeader.map((_, column) => (column < 2 ? "left" : "right")) },
    );
    const binding = atN.reduce((worst: FleetPlan, plan) => (plan.binding.percent > worst.binding.percent ? plan : worst));
    const bindingIndex = SHARED_LIMITS.indexOf(binding.binding.limit);
    const goal = atN.map(
        (plan) =>
            `${plan.plan.name}: ${minutes(plan.wallSeconds)} min ${plan.wallSeconds < 3600 ? "<" : "≥"} 60, highest limit ${percent(plan.binding.percent)} ` +
            `${plan.binding.percent <= 50 ? "≤" : ">"} 50 % → ${plan.wallSeconds < 3600 && plan.binding.percent <= 50 ? "met" : "NOT met"}`,
    );
    const assumptionLines = [
        `Assumptions: ${assumptions.jobs} jobs at most (the workflow's shards; GitHub's matrix allows 256), each \`npm run fleet -- up --stacks <shard>\` ` +
            `at --concurrency ${assumptions.concurrency}, on a runner as fast as this machine (${os.cpus().length} CPUs; GitHub's standard Linux runner ` +
            `has 2 for a private repository, 4 for a public one); job set-up ${assumptions.jobSetupSeconds} s and the stack-list job ` +
            `${assumptions.listJobSeconds} s, not measured here; concurrent jobs by GitHub plan as published for standard Linux runners ` +
            `(${GITHUB_PLANS.map((plan) => `${plan.name} ${plan.concurrentJobs}`).join(", ")}), the rest queue in waves; no time waiting for a reviewer's approval.`,
        `Peaks are upper bounds: every slot in flight runs its tenants back to back, all in phase, without set-up gaps. A Graph request costs 1 resource ` +
            `unit (5 for a transitive membership read); the per-tenant Graph limits are our app's share only (other apps in a tenant count too); ` +
            `the entitlement counts one update and one status read of each tenant a day. Tenants are as measured (${cost.environments} environments): ` +
            `BAP and Dataverse requests grow with environments, Graph requests do not. The emulated tenants' Graph requests include those of ` +
            `the azuread provider the run used (the real plugin, or the test-only stand-in where it cannot be had), whose reads may differ.`,
    ];
    return [
        `Plan for ${tenants} tenants (and ${STEPS.join(", ")}):`,
        "",
        timeTable,
        "",
        limitTable,
        "",
        `Binds first: ${binding.binding.limit.name}, at ${percent(binding.binding.percent)} for ${tenants} tenants on ${binding.plan.name}. ` +
            `On ${widest.name} it reaches 50 % ${reachText(reach(bindingIndex, 50))} and 100 % ${reachText(reach(bindingIndex, 100))}: a fleet-wide count ` +
            `stops growing once every slot (${Math.min(assumptions.jobs, widest.concurrentJobs)} jobs × ${assumptions.concurrency}) is busy for the whole window.`,
        `Goal (${tenants} tenants in under an hour, no shared limit above 50 %): ${goal.join("; ")}.`,
        "",
        ...assumptionLines,
    ].join("\n");
}

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    const options = optionsOf(values);
    const progress = progressFor(io.stderr, { prefix: "bench:fleet: " });
    progress.line(
        `${options.tenants} tenants of ${options.environments} environments; concurrency ${options.concurrency.join(", ")}; ` +
            `latency ${options.latencyMs} ms; user sync ${options.syncDelayMs} ms; ${os.cpus().length} CPUs; load ${os
                .loadavg()
                .map((load) => load.toFixed(2))
                .join(" ")}`,
    );
    const rows: FleetBenchRow[] = [];
    let cost: TenantCost | undefined;
    try {
        for (const concurrency of options.concurrency) {
            const measured = await benchConcurrency(concurrency, options, progress);
            rows.push(...measured.rows);
            cost ??= measured.cost;
        }
    } finally {
        progress.close();
    }
    if (options.json) {
        const plan =
            options.plan === undefined || !cost ? undefined : GITHUB_PLANS.map((github) => planFleet(options.plan!, cost!, github, options.assumptions));
        io.stdout.write(`${JSON.stringify(plan ? { rows, cost, plan } : rows, null, 2)}\n`);
        return EXIT_OK;
    }
    io.stdout.write(`${fleetBenchTable(rows)}\n`);
    if (options.plan !== undefined && cost) io.stdout.write(`\n${costText(cost)}\n\n${planText(options.plan, cost, options.assumptions)}\n`);
    return EXIT_OK;
});

if (require.main === module) runMain(main);
