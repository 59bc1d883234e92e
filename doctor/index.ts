// npm run doctor -- [--stacks NAME[,NAME…] | --all] [--json]
//
// Checks, per stack (one tenant each), that the operator's identity has what a first
// `pulumi up` needs, before anything is changed: sign-in; Graph application
// permissions; Privileged Role Administrator or Global Administrator; Power Platform
// admin access; each environment's Dataverse; the service account and its licence.
// Every failed check names the fix. Read-only: it only signs in and reads.
// Exit status: 0 when nothing failed (warnings allowed), 1 when a check failed,
// 2 when the command line or the stack selection is wrong.

import { command, CommandSpec, EXIT_FAILED, EXIT_OK, OptionSpecs, progressFor, runMain, STACK_OPTIONS, stackSelector, Task, writeLine } from "../cli";
import { openProject } from "../cli/project";
import { messageOf } from "../providers";
import { anyFailed, CheckResult } from "./check-result";
import { counts, renderJson, renderText, StackReport } from "./report";
import { doctorStack } from "./run";
import { readStackConfig } from "./stack-config";

export const SPEC = {
    name: "doctor",
    usage: "npm run doctor -- [--stacks NAME[,NAME…] | --all] [--json]",
    description:
        "Checks, per stack, that the operator's identity has what a first `pulumi up` needs, and names the fix of\n" +
        "each check that fails; it only signs in and reads. Without --stacks or --all: the selected stack.\n" +
        "Exit status: 0 when nothing failed (warnings allowed), 1 when a check failed, 2 for a wrong command line.",
    options: {
        ...STACK_OPTIONS,
        // The doctor's first spelling, one stack at a time.
        stack: { type: "string", list: true, short: "s", aliasOf: "stacks" },
        json: { type: "boolean", help: "print the report as JSON on standard output" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

/** A stack whose configuration cannot be read (its secrets cannot be decrypted): one failed check. */
function unreadable(stack: string, error: unknown): StackReport {
    const check: CheckResult = {
        id: "configuration",
        title: "Stack configuration",
        status: "fail",
        detail: `could not be read: ${messageOf(error).trim().split("\n").slice(-3).join(" ")}`,
        fix: "check the stack's secrets provider: PULUMI_CONFIG_PASSPHRASE for passphrase stacks, access to the Key Vault key for azurekeyvault stacks.",
    };
    return { stack, checks: [check] };
}

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    const selector = stackSelector(values, "selected");
    const progress = progressFor(io.stderr);
    const project = await openProject(io.cwd, (line) => progress.line(line));
    const reports: StackReport[] = [];
    try {
        for (const stack of await project.choose(selector)) {
            const task: Task = { name: stack, startedMs: Date.now(), phase: "checking" };
            progress.started(task);
            const report = await readStackConfig(project.workspace, stack).then(
                (config) => doctorStack(stack, config, io.env),
                (error) => unreadable(stack, error),
            );
            reports.push(report);
            progress.finished(task, `${stack}: ${counts(report.checks)} in ${progress.elapsed(task)}`);
        }
    } finally {
        progress.close();
    }
    writeLine(io.stdout, values.json ? renderJson(reports) : renderText(reports));
    return reports.some((report) => anyFailed(report.checks)) ? EXIT_FAILED : EXIT_OK;
});

if (require.main === module) runMain(main);
