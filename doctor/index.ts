// npm run doctor -- [--stack S] [--all] [--json]
//
// Checks, per stack (one tenant each), that the operator's identity has what a first
// `pulumi up` needs, before anything is changed: sign-in; Graph application
// permissions; Privileged Role Administrator or Global Administrator; Power Platform
// admin access; each environment's Dataverse; the service account and its licence.
// Every failed check names the fix. Read-only: it only signs in and reads.
// Exit status: 0 when nothing failed (warnings allowed), 1 when a check failed,
// 2 when the command line or the stack selection is wrong.

import { messageOf } from "../providers";
import { anyFailed } from "./check-result";
import { renderJson, renderText, StackReport } from "./report";
import { doctorStack } from "./run";
import { openProject, readStackConfig, stacksToCheck, StackSelectionError } from "./stack-config";

const USAGE = "usage: npm run doctor -- [--stack <name> | --all] [--json]";

export interface DoctorArguments {
    readonly stack?: string;
    readonly all: boolean;
    readonly json: boolean;
}

export class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): DoctorArguments {
    let stack: string | undefined;
    let all = false;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        // `npm run doctor -- …` hands the separator on; it means nothing here.
        if (arg === "--") continue;
        if (arg === "--stack" || arg === "-s") {
            const value = argv[i + 1];
            if (!value || value.startsWith("-")) throw new UsageError(`${arg} needs a stack name. ${USAGE}`);
            stack = value;
            i++;
        } else if (arg.startsWith("--stack=")) {
            stack = arg.slice("--stack=".length);
            if (!stack) throw new UsageError(`--stack= needs a stack name. ${USAGE}`);
        } else if (arg === "--all") {
            all = true;
        } else if (arg === "--json") {
            json = true;
        } else {
            throw new UsageError(`unknown argument ${JSON.stringify(arg)}. ${USAGE}`);
        }
    }
    if (stack && all) throw new UsageError(`--stack and --all exclude each other. ${USAGE}`);
    return { stack, all, json };
}

/** The whole command; returns the exit status. */
export async function main(argv: readonly string[], io: { out: (text: string) => void; err: (text: string) => void }, directory = process.cwd()): Promise<number> {
    let args: DoctorArguments;
    try {
        args = parseArguments(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.err(error.message);
        return 2;
    }
    const reports: StackReport[] = [];
    try {
        const workspace = await openProject(directory, io.err);
        for (const stack of await stacksToCheck(workspace, args)) {
            if (!args.json) io.err(`checking stack ${stack} …`);
            let config: Record<string, string>;
            try {
                config = await readStackConfig(workspace, stack);
            } catch (error) {
                reports.push({
                    stack,
                    checks: [{
                        id: "configuration",
                        title: "Stack configuration",
                        status: "fail",
                        detail: `could not be read: ${messageOf(error).trim().split("\n").slice(-3).join(" ")}`,
                        fix: "check the stack's secrets provider: PULUMI_CONFIG_PASSPHRASE for passphrase stacks, access to the Key Vault key for azurekeyvault stacks.",
                    }],
                });
                continue;
            }
            reports.push(await doctorStack(stack, config, process.env));
        }
    } catch (error) {
        if (!(error instanceof StackSelectionError)) throw error;
        io.err(error.message);
        return 2;
    }
    io.out(args.json ? renderJson(reports) : renderText(reports));
    return reports.some((report) => anyFailed(report.checks)) ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2), { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) }).then(
        (code) => (process.exitCode = code),
        (error) => {
            process.stderr.write(`doctor: ${messageOf(error)}\n`);
            process.exitCode = 1;
        },
    );
}
