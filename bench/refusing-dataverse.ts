// How long a run lasts, and what it sends, when every environment's Dataverse keeps
// refusing the operator (403 0x80072560, "not a member of the organization", for good:
// even after BAP addAppUser). Through the pinned Pulumi CLI against a generated
// emulated tenant:
//
//   preview --refresh  a stack whose state holds every environment's user and role
//   refresh            the same stack
//   up                 a new stack: every environment's user is to be created
//
// For each: seconds, exit code, refused Dataverse requests, BAP addAppUser posts, and
// requests other than GET (sign-in aside). Progress goes to standard error; the table
// to standard output.
//
//   node -r ts-node/register/transpile-only bench/refusing-dataverse.ts [--environments 10] [--timeout-seconds N]
//
// --timeout-seconds sets d365-backup-access:operatorAccessTimeoutSeconds (default:
// the program's own). Needs the toolchain (bash scripts/toolchain/build.sh). Figures,
// not assertions.

import { command, CommandSpec, EXIT_OK, formatTable, OptionSpecs, Progress, progressFor, runMain, Task } from "../cli";
import { RunningEmulator, startEmulator } from "../emulator";
import { createWorkspace, PulumiWorkspace } from "../workspace/pulumi-workspace";
import { count } from "./options";
import { generateTenant } from "./tenant";

interface Options {
    readonly environments: number;
    readonly timeoutSeconds: number;
}

export const SPEC = {
    name: "refusing-dataverse",
    usage: "node -r ts-node/register/transpile-only bench/refusing-dataverse.ts [--environments 10] [--timeout-seconds N]",
    description:
        "How long a run lasts, and what it sends, when every environment's Dataverse keeps refusing the operator:\n" +
        "a preview --refresh, a refresh and a first up, as one table. Figures, not assertions.",
    options: {
        environments: { type: "string", value: "N", help: "environments in the generated tenant (default 10)" },
        "timeout-seconds": { type: "string", value: "N", help: "d365-backup-access:operatorAccessTimeoutSeconds (default: the program's own)" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

interface Row {
    readonly command: string;
    readonly seconds: number;
    readonly exitCode: number;
    readonly refused: number;
    readonly addAppUser: number;
    readonly writes: number;
}

async function measure(workspace: PulumiWorkspace, emulator: RunningEmulator, args: string[], progress: Progress): Promise<Row> {
    emulator.clearRequests();
    const task: Task = { name: `pulumi ${args.join(" ")}`, startedMs: Date.now(), phase: "running …" };
    progress.started(task);
    const started = process.hrtime.bigint();
    const result = await workspace.run(args, { allowFailure: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const log = emulator.requests();
    const row: Row = {
        command: `pulumi ${args.join(" ")}`,
        seconds: Math.round(seconds * 10) / 10,
        exitCode: result.code,
        refused: log.filter((entry) => entry.service === "dataverse" && entry.status === 403).length,
        addAppUser: log.filter((entry) => entry.method === "POST" && /\/addAppUser\?/.test(entry.path)).length,
        writes: log.filter((entry) => entry.service !== "login" && entry.method !== "GET").length,
    };
    progress.finished(task, `${row.command}: ${row.seconds} s, exit ${row.exitCode}, ${row.refused} refused, ${row.addAppUser} addAppUser`);
    const named = `${result.stdout}\n${result.stderr}`.split("\n").find((line) => /Dataverse (still )?refuses/.test(line));
    if (named) progress.line(`  first error line: ${named.trim().slice(0, 300)}`);
    return row;
}

async function stackFor(emulator: RunningEmulator, stack: string, accountUpn: string, options: Options): Promise<PulumiWorkspace> {
    const { ARM_CLIENT_SECRET: secret, ...env } = emulator.env;
    const workspace = await createWorkspace({ stack, env });
    await workspace.setConfig("azuread:clientSecret", secret, { secret: true });
    await workspace.setConfig("d365-backup-access:serviceAccount", accountUpn);
    await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });
    await workspace.setConfig("d365-backup-access:stage", "operational");
    if (options.timeoutSeconds) await workspace.setConfig("d365-backup-access:operatorAccessTimeoutSeconds", String(options.timeoutSeconds));
    return workspace;
}

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    const options: Options = {
        environments: count("--environments", values.environments, 1, 10),
        timeoutSeconds: count("--timeout-seconds", values["timeout-seconds"], 1, 0),
    };
    const progress = progressFor(io.stderr, { prefix: "refusing-dataverse: " });
    const { seed, accountUpn } = await generateTenant({ environments: options.environments, latencyMs: 20, userSyncDelayMs: 200 });
    const emulator = await startEmulator(seed, { warn: () => undefined });
    const workspaces: PulumiWorkspace[] = [];
    try {
        const existing = await stackFor(emulator, "existing", accountUpn, options);
        workspaces.push(existing);
        progress.line(`a stack holding ${options.environments} environments' users and roles …`);
        await existing.run(["up", "--yes", "--skip-preview"]);
        // From here on, every environment's Dataverse refuses the operator, addAppUser or not.
        emulator.addFault({
            service: "dataverse",
            route: "/api/data/",
            status: 403,
            code: "0x80072560",
            message: "The user is not a member of the organization.",
        });
        const rows = [
            await measure(existing, emulator, ["preview", "--refresh"], progress),
            await measure(existing, emulator, ["refresh", "--yes", "--skip-preview"], progress),
        ];
        const fresh = await stackFor(emulator, "fresh", accountUpn, options);
        workspaces.push(fresh);
        rows.push(await measure(fresh, emulator, ["up", "--yes", "--skip-preview"], progress));
        const header = ["command", "seconds", "exit", "refused Dataverse requests", "addAppUser posts", "requests other than GET"];
        const lines = rows.map((row) => [
            row.command,
            row.seconds.toFixed(1),
            String(row.exitCode),
            String(row.refused),
            String(row.addAppUser),
            String(row.writes),
        ]);
        const table = formatTable([header, ...lines], { style: "markdown", align: header.map((_, column) => (column === 0 ? "left" : "right")) });
        io.stdout.write(`${options.environments} environments, Dataverse refusing the operator for good\n\n${table}\n`);
        return EXIT_OK;
    } finally {
        progress.close();
        for (const workspace of workspaces) await workspace.remove();
        await emulator.stop();
    }
});

if (require.main === module) runMain(main);
