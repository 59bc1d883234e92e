// The fleet command's options: parsed and checked before anything runs, every mistake
// reported with the option, the value and what is expected.

import { isStage, Stage, STAGES } from "../lib/stages";

export const COMMANDS = ["status", "preview", "up", "recover", "check"] as const;
export type Command = (typeof COMMANDS)[number];

/**
 * Tenants at a time unless --concurrency says otherwise: the number of cores of the
 * machines this was measured on (`npm run bench:fleet`, docs/fleet.md "How many at a time"). A
 * tenant's `pulumi up` of a few environments uses about 12 s of CPU in about 14 s
 * (starting the CLI, the program and its plugins is CPU-bound; the tenant answers
 * quickly), so it keeps about one core busy: two at a time brought 6 tenants from
 * 4.2 to 6.8 tenants per minute on 2 cores, four at a time only queued for the same
 * cores (5.9). More cores, or tenants with many environments (whose updates mostly
 * wait on the tenant), take a higher --concurrency.
 */
export const DEFAULT_CONCURRENCY = 2;
export const MAX_CONCURRENCY = 32;

export type StackSelector = { readonly kind: "all" } | { readonly kind: "listed"; readonly names: readonly string[] };

export interface FleetOptions {
    readonly command: Command;
    readonly stacks: StackSelector;
    /** up: set on each selected stack first; preview: previewed from a copy of the stack settings (the stack keeps its stage). */
    readonly stage: Stage | undefined;
    readonly concurrency: number;
    readonly json: boolean;
    /** Where each tenant's log goes; a fresh folder under fleet-logs/ when unset. */
    readonly logDirectory: string | undefined;
    /** preview, up and recover run the policy pack in policy/ unless --no-policy-pack. */
    readonly policyPack: boolean;
    /** recover: also remove locks whose process this machine cannot tell is gone. */
    readonly force: boolean;
    /** check: also refuse a stack file that opts in to custom endpoints (CI, where a pull request edits stack files). */
    readonly refuseStackCustomEndpoints: boolean;
    /**
     * up and recover: `pulumi up --continue-on-error` unless --stop-on-error, so one
     * environment that refuses the account does not keep the others from getting it;
     * the tenant still fails, naming each environment that did not converge.
     */
    readonly continueOnError: boolean;
}

export const USAGE = [
    "usage: npm run fleet -- <command> (--all | --stacks NAME[,NAME…]) [options]",
    "",
    "commands:",
    "  check     before any preview, up, refresh or destroy (CI runs it first; the other commands too): the",
    "            stack's settings with the program's checks (endpoints, sign-in, its keys), and its state:",
    "            pending operations, a lock, 0.1.0 provider code; exit 1 naming each problem and what to run.",
    "            Starts no provider",
    "  status    read-only: per tenant, what the tenant itself says the account holds, the environments skipped and",
    "            why, drift, last update; a tenant missing access in an environment or drifted fails (exit 1)",
    "  preview   what `pulumi preview` would do per tenant (with --stage: the move to that stage; the stack keeps its stage)",
    "  up        `pulumi up --continue-on-error` per tenant (with --stage: sets the stack's stage first): an",
    "            environment that fails does not stop the others; the tenant then fails naming each environment",
    "            that did not converge and why",
    "  recover   after an interruption: removes a stale lock, clears pending operations, refreshes,",
    "            then `pulumi up --continue-on-error` at the stack's configured stage",
    "",
    "options:",
    "  --all                 every stack of this project in the backend",
    "  --stacks a,b,'c-*'    these stacks; * and ? match any text and any one character",
    `  --stage STAGE         ${STAGES.join(", ")} (preview and up)`,
    `  --concurrency N       tenants at a time, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})`,
    "  --json                print the report as JSON on standard output",
    "  --log-dir DIR         each tenant's log in DIR/<stack>.log (default: fleet-logs/<command>-<time>/)",
    "  --no-policy-pack      preview, up and recover without the policy pack in policy/ (run by default)",
    "  --stop-on-error       up and recover: stop a tenant's update at its first failure (no --continue-on-error)",
    "  --force               recover: also remove a lock held by a live process or another host",
    "  --no-stack-custom-endpoints",
    "                        check: also refuse a stack file that sets d365-backup-access:customEndpoints true",
    "                        (CI: a pull request's stack file must not choose where credentials go)",
].join("\n");

export class FleetUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FleetUsageError";
    }
}

function fail(message: string): never {
    throw new FleetUsageError(`${message}\n\n${USAGE}`);
}

export function parseOptions(rawArgv: readonly string[]): FleetOptions {
    // npm passes the `--` that separates its own options on when the script has one too.
    const argv = rawArgv.filter((arg, index) => !(arg === "--" && index === 0));
    const [command, ...rest] = argv;
    if (command === undefined || command.startsWith("-")) fail(`no command given; expected one of ${COMMANDS.join(", ")}.`);
    if (!(COMMANDS as readonly string[]).includes(command)) fail(`unknown command ${JSON.stringify(command)}; expected one of ${COMMANDS.join(", ")}.`);

    let all = false;
    let names: string[] | undefined;
    let stage: Stage | undefined;
    let concurrency = DEFAULT_CONCURRENCY;
    let json = false;
    let logDirectory: string | undefined;
    let policyPack = true;
    let force = false;
    let refuseStackCustomEndpoints = false;
    let continueOnError = true;
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = (): string => {
            const next = rest[++i];
            if (next === undefined || next.startsWith("--")) fail(`${flag} needs a value.`);
            return next;
        };
        switch (flag) {
            case "--all":
                all = true;
                break;
            case "--stacks": {
                const raw = value();
                names = raw.split(",").map((name) => name.trim());
                if (names.some((name) => name === "")) fail(`--stacks ${JSON.stringify(raw)} has an empty name; expected stack names separated by commas.`);
                break;
            }
            case "--stage": {
                const raw = value();
                const normalized = raw.trim().toLowerCase();
                if (!isStage(normalized)) fail(`--stage ${JSON.stringify(raw)} is not a stage; expected one of ${STAGES.join(", ")}.`);
                stage = normalized;
                break;
            }
            case "--concurrency": {
                const raw = value();
                const n = Number(raw);
                if (!/^\d+$/.test(raw) || n < 1 || n > MAX_CONCURRENCY) fail(`--concurrency ${JSON.stringify(raw)} is not a whole number from 1 to ${MAX_CONCURRENCY}.`);
                concurrency = n;
                break;
            }
            case "--json":
                json = true;
                break;
            case "--log-dir":
                logDirectory = value();
                break;
            case "--no-policy-pack":
                policyPack = false;
                break;
            case "--force":
                force = true;
                break;
            case "--no-stack-custom-endpoints":
                refuseStackCustomEndpoints = true;
                break;
            case "--stop-on-error":
                continueOnError = false;
                break;
            default:
                fail(`unknown option ${JSON.stringify(flag)}.`);
        }
    }
    if (all && names) fail("--all and --stacks exclude each other; give one.");
    if (!all && !names) fail("no stacks chosen; give --all or --stacks NAME[,NAME…].");
    if (stage && command === "status") fail("--stage applies to preview and up; status only reads.");
    if (stage && command === "check") fail("--stage applies to preview and up; check reads the stack as it is.");
    if (stage && command === "recover") fail("--stage applies to preview and up; recover brings each tenant to the stage its stack is configured for.");
    if (!policyPack && (command === "status" || command === "check")) fail(`--no-policy-pack applies to preview, up and recover; ${command} runs no policy pack.`);
    if (force && command !== "recover") fail("--force applies to recover only.");
    if (refuseStackCustomEndpoints && command !== "check") fail("--no-stack-custom-endpoints applies to check only.");
    if (!continueOnError && command !== "up" && command !== "recover") fail(`--stop-on-error applies to up and recover; ${command} runs no update.`);
    return {
        command: command as Command,
        stacks: all ? { kind: "all" } : { kind: "listed", names: names! },
        stage,
        concurrency,
        json,
        logDirectory,
        policyPack,
        force,
        refuseStackCustomEndpoints,
        continueOnError,
    };
}
