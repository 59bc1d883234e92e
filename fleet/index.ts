// `npm run fleet -- <check|status|preview|up|recover> (--all | --stacks a,b) [--stage S] [--concurrency N] [--json] [--log-dir DIR] [--no-policy-pack] [--stop-on-error] [--force] [--no-stack-custom-endpoints]`:
// one command over many tenants (one stack each) of this project. Progress goes to
// standard error, the table (or --json) to standard output; each tenant's log to a
// folder. The exit code is 1 when any tenant failed (they are named; for status, also a
// tenant missing access or drifted), 2 on bad options.

import type { Stack } from "@pulumi/pulumi/automation";
import { createWriteStream, promises as fs, WriteStream } from "fs";
import * as path from "path";

import { messageOf } from "../providers";
import { changeOf, checkOf, oneLine, recoverOf, statusOf, TenantRun } from "./operations";
import { FleetOptions, FleetUsageError, parseOptions } from "./options";
import { FleetProject, openProject, POLICY_PACK_DIRECTORY, PROJECT_DIRECTORY } from "./project";
import { Activity, progressFor, ProgressSink } from "./progress";
import { environmentLines, failureLines, FleetReport, formatTable, skippedLines, summaryLine, tableRows, TenantReport } from "./report";
import { runPool } from "./runner";
import { selectStacks, shortName } from "./selection";

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Relative to the working directory when inside it (fleet-logs/…), as the user would type it. */
function shownPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

async function logDirectory(options: FleetOptions): Promise<string> {
    const directory = options.logDirectory
        ? path.resolve(options.logDirectory)
        : path.join(PROJECT_DIRECTORY, "fleet-logs", `${options.command}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    await fs.mkdir(directory, { recursive: true });
    return directory;
}

function openLog(file: string): { stream: WriteStream; write: (text: string) => void } {
    const stream = createWriteStream(file, { flags: "w", mode: 0o600 });
    // A late line (a CLI run cut short) after the report is written is dropped, not an error.
    return { stream, write: (text) => void (stream.writableEnded || stream.write(text.endsWith("\n") ? text : `${text}\n`)) };
}

async function runTenant(
    options: FleetOptions,
    project: FleetProject,
    stack: Stack,
    directory: string,
    progress: ProgressSink,
): Promise<TenantReport> {
    const name = shortName(stack.name);
    const logFile = shownPath(path.join(directory, `${name}.log`));
    const log = openLog(logFile);
    const activity: Activity = { stack: name, startedMs: Date.now(), phase: "starting", done: 0, changing: 0 };
    const run: TenantRun = {
        stack,
        workspace: project.workspace,
        readLocks: () => project.readLocks(stack.name),
        policyPacks: options.policyPack ? [POLICY_PACK_DIRECTORY] : [],
        name,
        activity,
        logFile,
        log: log.write,
        phase(text) {
            activity.phase = text;
            log.write(`== ${text}`);
            progress.phase(activity);
        },
    };
    progress.started(activity);
    let outcome: Omit<TenantReport, "durationSeconds" | "logFile">;
    try {
        switch (options.command) {
            case "check":
                outcome = await checkOf(run, options);
                break;
            case "status":
                outcome = await statusOf(run);
                break;
            case "recover":
                outcome = await recoverOf(run, options);
                break;
            default:
                outcome = await changeOf(run, { command: options.command, stage: options.stage, continueOnError: options.continueOnError });
        }
    } catch (error) {
        log.write(`failed: ${messageOf(error)}`);
        outcome = { stack: name, stage: null, result: "failed", error: oneLine(messageOf(error)), tenant: null };
    }
    const report: TenantReport = { ...outcome, durationSeconds: (Date.now() - activity.startedMs) / 1000, logFile };
    log.write(`== ${report.result}${report.error ? `: ${report.error}` : ""}`);
    await new Promise((resolve) => log.stream.end(resolve));
    progress.finished(activity, report.result === "ok" ? "ok" : `FAILED (${report.error})`);
    return report;
}

/** The table, then the environments skipped, those not ready and the failures, each under its own heading. */
function textReport(options: FleetOptions, tenants: readonly TenantReport[]): string {
    const section = (title: string, lines: readonly string[]) => (lines.length ? `\n${title}:\n${lines.map((line) => `  ${line}`).join("\n")}\n` : "");
    return (
        `${formatTable(tableRows(options.command, tenants))}\n` +
        section("Environments skipped", skippedLines(tenants)) +
        section("Environments not ready", environmentLines(tenants)) +
        section("Failed", failureLines(tenants))
    );
}

async function main(): Promise<number> {
    let options: FleetOptions;
    try {
        options = parseOptions(process.argv.slice(2));
    } catch (error) {
        if (error instanceof FleetUsageError) {
            say(`fleet: ${error.message}`);
            return 2;
        }
        throw error;
    }
    const started = Date.now();
    // The pinned CLI is normally there already; say only what takes time.
    const project = await openProject((line) => (/: installed/.test(line) ? undefined : say(line)));
    let names: string[];
    try {
        names = selectStacks(options.stacks, project.stacks.map((summary) => summary.name));
    } catch (error) {
        if (error instanceof FleetUsageError) {
            say(`fleet: ${error.message}`);
            return 2;
        }
        throw error;
    }
    // status only reads: the refresh preview's provider reads included (D365BA_READ_ONLY reaches
    // the provider host through the CLI, and our clients then send GET requests only).
    if (options.command === "status") project.workspace.envVars.D365BA_READ_ONLY = "true";
    const stacks = await project.open(names);
    const directory = await logDirectory(options);
    say(`fleet ${options.command}: ${names.length} tenant${names.length === 1 ? "" : "s"}, ${options.concurrency} at a time; logs in ${shownPath(directory)}`);

    const progress = progressFor(process.stderr);
    const tenants = await runPool(
        stacks,
        options.concurrency,
        (stack) => runTenant(options, project, stack, directory, progress),
        // runTenant reports its own failures; this is for the unexpected (a log folder that vanished).
        (stack, error): TenantReport => ({
            stack: shortName(stack.name),
            stage: null,
            result: "failed",
            error: oneLine(messageOf(error)),
            tenant: null,
            durationSeconds: 0,
            logFile: shownPath(path.join(directory, `${shortName(stack.name)}.log`)),
        }),
    );
    progress.close();

    const failed = tenants.filter((tenant) => tenant.result === "failed").map((tenant) => tenant.stack);
    const report: FleetReport = { command: options.command, concurrency: options.concurrency, durationSeconds: (Date.now() - started) / 1000, tenants, failed };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : textReport(options, tenants));
    say(summaryLine(report));
    if (failed.length) say(`fleet: ${failed.length} tenant${failed.length === 1 ? "" : "s"} failed: ${failed.join(", ")} (logs in ${shownPath(directory)})`);
    return failed.length ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        say(`fleet: ${messageOf(error)}`);
        process.exit(1);
    },
);
