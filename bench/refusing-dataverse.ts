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

import { RunningEmulator, startEmulator } from "../emulator";
import { createWorkspace, PulumiWorkspace } from "../workspace/pulumi-workspace";
import { parseOptions } from "./options";
import { markdownTable } from "./table";
import { generateTenant } from "./tenant";

interface Options {
    readonly environments: number;
    readonly timeoutSeconds: number;
}

const USAGE = "usage: node -r ts-node/register/transpile-only bench/refusing-dataverse.ts [--environments 10] [--timeout-seconds N]";
const progress = (message: string) => process.stderr.write(`refusing-dataverse: ${message}\n`);

interface Row {
    readonly command: string;
    readonly seconds: number;
    readonly exitCode: number;
    readonly refused: number;
    readonly addAppUser: number;
    readonly writes: number;
}

async function measure(workspace: PulumiWorkspace, emulator: RunningEmulator, args: string[]): Promise<Row> {
    emulator.clearRequests();
    progress(`pulumi ${args.join(" ")} …`);
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
    progress(`${row.command}: ${row.seconds} s, exit ${row.exitCode}, ${row.refused} refused, ${row.addAppUser} addAppUser`);
    const named = `${result.stdout}\n${result.stderr}`.split("\n").find((line) => /Dataverse (still )?refuses/.test(line));
    if (named) progress(`  first error line: ${named.trim().slice(0, 300)}`);
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

async function main(): Promise<void> {
    const options = parseOptions<Options>(
        process.argv.slice(2),
        { environments: 10, timeoutSeconds: 0 },
        { "--environments": ["environments", { count: 1 }], "--timeout-seconds": ["timeoutSeconds", { count: 1 }] },
        USAGE,
    );
    const { seed, accountUpn } = await generateTenant({ environments: options.environments, latencyMs: 20, userSyncDelayMs: 200 });
    const emulator = await startEmulator(seed, { warn: () => undefined });
    const workspaces: PulumiWorkspace[] = [];
    try {
        const existing = await stackFor(emulator, "existing", accountUpn, options);
        workspaces.push(existing);
        progress(`a stack holding ${options.environments} environments' users and roles …`);
        await existing.run(["up", "--yes", "--skip-preview"]);
        // From here on, every environment's Dataverse refuses the operator, addAppUser or not.
        emulator.addFault({ service: "dataverse", route: "/api/data/", status: 403, code: "0x80072560", message: "The user is not a member of the organization." });
        const rows = [
            await measure(existing, emulator, ["preview", "--refresh"]),
            await measure(existing, emulator, ["refresh", "--yes", "--skip-preview"]),
        ];
        const fresh = await stackFor(emulator, "fresh", accountUpn, options);
        workspaces.push(fresh);
        rows.push(await measure(fresh, emulator, ["up", "--yes", "--skip-preview"]));
        const header = ["command", "seconds", "exit", "refused Dataverse requests", "addAppUser posts", "requests other than GET"];
        const lines = rows.map((row) => [row.command, row.seconds.toFixed(1), String(row.exitCode), String(row.refused), String(row.addAppUser), String(row.writes)]);
        process.stdout.write(`${options.environments} environments, Dataverse refusing the operator for good\n\n${markdownTable(header, lines, 0)}\n`);
    } finally {
        for (const workspace of workspaces) await workspace.remove();
        await emulator.stop();
    }
}

main().catch((error) => {
    process.stderr.write(`refusing-dataverse: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
