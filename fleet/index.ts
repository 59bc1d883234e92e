// `npm run fleet -- <check|status|preview|up|recover> (--all | --stacks a,b) [options]`
// (`npm run fleet -- --help` lists them; fleet/options.ts declares them): one command
// over many tenants (one stack each) of this project. Progress goes to standard error,
// the table (or --json) to standard output; each tenant's log to a folder. The exit code
// is 1 when any tenant failed (they are named; for status, also a tenant missing access
// or drifted), 2 on bad options or stack names that match no stack.

import type { Stack } from "@pulumi/pulumi/automation";
import { createWriteStream, promises as fs, WriteStream } from "fs";
import * as path from "path";

import { command, CommandIo, formatTable, Progress, runMain, shortName } from "../cli";
import { messageOf } from "../providers";
import { changeOf, checkOf, oneLine, recoverOf, statusOf, TenantRun } from "./operations";
import { FleetOptions, optionsOf, SPEC } from "./options";
import { FleetProject, openFleetProject, POLICY_PACK_DIRECTORY, PROJECT_DIRECTORY } from "./project";
import { Activity, fleetProgress } from "./progress";
import { environmentLines, failureLines, FleetReport, skippedLines, summaryLine, tableRows, TenantReport } from "./report";
import { isThrottledError, runPaced } from "./throttling";

/** Relative to the working directory when inside it (fleet-logs/…), as the user would type it. */
function shownPath(file: string, cwd: string): string {
    const relative = path.relative(cwd, file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

async function logDirectory(options: FleetOptions, cwd: string): Promise<string> {
    const directory = options.logDirectory
        ? path.resolve(cwd, options.logDirectory)
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
    progress: Progress<Activity>,
    cwd: string,
): Promise<TenantReport> {
    const name = shortName(stack.name);
    const logPath = path.join(directory, `${name}.log`);
    const logFile = shownPath(logPath, cwd);
    const log = openLog(logPath);
    const activity: Activity = { name, startedMs: Date.now(), phase: "starting", done: 0, changing: 0 };
    const run: TenantRun = {
        stack,
        workspace: project.workspace,
        readLocks: () => project.readLocks(stack.name),
        repairHistory: () => project.repairHistory(stack.name),
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
                outcome = await statusOf(run, { parallel: options.parallel });
                break;
            case "recover":
                outcome = await recoverOf(run, options);
                break;
            default:
                outcome = await changeOf(run, {
                    command: options.command,
                    stage: options.stage,
                    continueOnError: options.continueOnError,
                    refresh: options.refresh,
                    parallel: options.parallel,
                });
        }
    } catch (error) {
        log.write(`failed: ${messageOf(error)}`);
        outcome = { stack: name, stage: null, result: "failed", error: oneLine(messageOf(error)), tenant: null };
    }
    const report: TenantReport = { ...outcome, durationSeconds: (Date.now() - activity.startedMs) / 1000, logFile };
    log.write(`== ${report.result}${report.error ? `: ${report.error}` : ""}`);
    await new Promise((resolve) => log.stream.end(resolve));
    progress.finished(activity, `${name}: ${report.result === "ok" ? "ok" : `FAILED (${report.error})`} in ${progress.elapsed(activity)}`);
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

/** The whole command; returns the exit status. */
export const main = command(SPEC, async (commandLine, io: CommandIo) => {
    const options = optionsOf(commandLine);
    const started = Date.now();
    const progress = fleetProgress(io.stderr);
    try {
        // The pinned CLI is normally there already; say only what takes time.
        // Only recover repairs what an interrupted CLI left in a file backend; the rest refuse, naming it.
        const project = await openFleetProject((line) => (/: installed/.test(line) ? undefined : progress.line(line)), {
            damagedBackend: options.command === "recover" ? "repair" : "refuse",
        });
        const names = await project.choose(options.stacks);
        // status only reads: the refresh preview's provider reads included (D365BA_READ_ONLY reaches
        // the provider host through the CLI, and our clients then send GET requests only).
        if (options.command === "status") project.workspace.envVars.D365BA_READ_ONLY = "true";
        const stacks = await project.open(names);
        const directory = await logDirectory(options, io.cwd);
        const shownDirectory = shownPath(directory, io.cwd);
        progress.line(
            `fleet ${options.command}: ${names.length} tenant${names.length === 1 ? "" : "s"}, ${options.concurrency} at a time; logs in ${shownDirectory}`,
        );

        const tenants = await runPaced(
            stacks,
            options.concurrency,
            (stack) => runTenant(options, project, stack, directory, progress, io.cwd),
            // runTenant reports its own failures; this is for the unexpected (a log folder that vanished).
            (stack, error): TenantReport => ({
                stack: shortName(stack.name),
                stage: null,
                result: "failed",
                error: oneLine(messageOf(error)),
                tenant: null,
                durationSeconds: 0,
                logFile: shownPath(path.join(directory, `${shortName(stack.name)}.log`), io.cwd),
            }),
            {
                lowered: (stack, to) => progress.line(`${shortName(stack.name)} was throttled: ${to} tenant${to === 1 ? "" : "s"} at a time from now on`),
                retrying: (throttled) =>
                    progress.line(
                        `running the ${throttled.length} throttled tenant${throttled.length === 1 ? "" : "s"} again, one at a time: ${throttled.map((stack) => shortName(stack.name)).join(", ")}`,
                    ),
            },
            (second) => ({
                ...second,
                retriedAfterThrottling: true,
                ...(second.result === "failed" && isThrottledError(second.error)
                    ? { error: `throttled twice, the second time running alone: ${second.error}` }
                    : {}),
            }),
        );
        progress.close();

        const failed = tenants.filter((tenant) => tenant.result === "failed").map((tenant) => tenant.stack);
        const report: FleetReport = {
            command: options.command,
            concurrency: options.concurrency,
            durationSeconds: (Date.now() - started) / 1000,
            tenants,
            failed,
        };
        io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : textReport(options, tenants));
        progress.line(summaryLine(report));
        if (failed.length)
            progress.line(`fleet: ${failed.length} tenant${failed.length === 1 ? "" : "s"} failed: ${failed.join(", ")} (logs in ${shownDirectory})`);
        return failed.length ? 1 : 0;
    } finally {
        progress.close();
    }
});

if (require.main === module) runMain(main);
