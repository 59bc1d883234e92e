// The fleet's command line (cli/ holds the rules every command shares) and its options,
// checked before anything runs: every mistake reported with the option, the value and
// what is expected.

import { CommandLine, CommandSpec, OptionSpecs, parseCommandLine, STACK_OPTIONS, StackSelector, stackSelector, UsageError, wholeNumber } from "../cli";
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
    /** preview and up: refresh from the tenant first (`--refresh`), so drift is shown and then undone, as the tenants workflow runs them. */
    readonly refresh: boolean;
    /**
     * preview, up, recover and status: each tenant's --parallel; undefined: chosen per
     * tenant from its number of environments (parallelism.ts).
     */
    readonly parallel: number | undefined;
}

export const SPEC = {
    name: "fleet",
    usage: "npm run fleet -- <command> (--all | --stacks NAME[,NAME…]) [options]",
    description:
        "One command over many tenants (one stack each) of this project. Progress goes to standard error, the table\n" +
        "(or --json) to standard output, each tenant's log to a folder. Exit status: 1 when any tenant failed (they are\n" +
        "named; for status, also a tenant missing access or drifted), 2 for a wrong command line.",
    details: [
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
    ].join("\n"),
    positionals: 1,
    options: {
        ...STACK_OPTIONS,
        stage: { type: "string", value: "STAGE", help: `${STAGES.join(", ")} (preview and up)` },
        concurrency: { type: "string", value: "N", help: `tenants at a time, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})` },
        json: { type: "boolean", help: "print the report as JSON on standard output" },
        "log-dir": { type: "string", value: "DIR", help: "each tenant's log in DIR/<stack>.log (default: fleet-logs/<command>-<time>/)" },
        "no-policy-pack": { type: "boolean", help: "preview, up and recover without the policy pack in policy/ (run by default)" },
        parallel: {
            type: "string",
            value: "N",
            help: "each tenant's pulumi --parallel (default: chosen per tenant from its number of environments,\nsaid in its progress line; none below about 50 environments)",
        },
        "stop-on-error": { type: "boolean", help: "up and recover: stop a tenant's update at its first failure (no --continue-on-error)" },
        refresh: { type: "boolean", help: "preview and up: refresh from the tenant first (pulumi --refresh), so drift is previewed and undone" },
        force: { type: "boolean", help: "recover: also remove a lock held by a live process or another host" },
        "no-stack-custom-endpoints": {
            type: "boolean",
            help: "check: also refuse a stack file that sets d365-backup-access:customEndpoints true\n(CI: a pull request's stack file must not choose where credentials go)",
        },
    },
} as const satisfies CommandSpec<OptionSpecs>;

function fail(message: string): never {
    throw new UsageError(message);
}

/** The fleet's options from its command line as read; throws a UsageError naming what is wrong. */
export function optionsOf({ values, positionals }: CommandLine<typeof SPEC.options>): FleetOptions {
    const [command] = positionals;
    if (command === undefined) fail(`no command given; expected one of ${COMMANDS.join(", ")}.`);
    if (!(COMMANDS as readonly string[]).includes(command)) fail(`unknown command ${JSON.stringify(command)}; expected one of ${COMMANDS.join(", ")}.`);
    let stage: Stage | undefined;
    if (values.stage !== undefined) {
        const normalized = values.stage.trim().toLowerCase();
        if (!isStage(normalized)) fail(`--stage ${JSON.stringify(values.stage)} is not a stage; expected one of ${STAGES.join(", ")}.`);
        stage = normalized;
    }
    const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : wholeNumber("--concurrency", values.concurrency, 1, MAX_CONCURRENCY);
    const stacks = stackSelector(values, "required");
    const policyPack = !values["no-policy-pack"];
    const { force } = values;
    const refuseStackCustomEndpoints = values["no-stack-custom-endpoints"];
    const continueOnError = !values["stop-on-error"];
    const { refresh } = values;
    const parallel = values.parallel === undefined ? undefined : wholeNumber("--parallel", values.parallel, 1);
    if (stage && command === "status") fail("--stage applies to preview and up; status only reads.");
    if (stage && command === "check") fail("--stage applies to preview and up; check reads the stack as it is.");
    if (stage && command === "recover") fail("--stage applies to preview and up; recover brings each tenant to the stage its stack is configured for.");
    if (!policyPack && (command === "status" || command === "check"))
        fail(`--no-policy-pack applies to preview, up and recover; ${command} runs no policy pack.`);
    if (force && command !== "recover") fail("--force applies to recover only.");
    if (refuseStackCustomEndpoints && command !== "check") fail("--no-stack-custom-endpoints applies to check only.");
    if (parallel !== undefined && command === "check") fail("--parallel applies to status, preview, up and recover; check runs no Pulumi command.");
    if (!continueOnError && command !== "up" && command !== "recover") fail(`--stop-on-error applies to up and recover; ${command} runs no update.`);
    if (refresh && command !== "preview" && command !== "up")
        fail(`--refresh applies to preview and up; ${command === "recover" ? "recover refreshes anyway" : `${command} changes nothing to refresh before`}.`);
    return {
        command: command as Command,
        stacks,
        stage,
        concurrency,
        json: values.json,
        logDirectory: values["log-dir"],
        policyPack,
        force,
        refuseStackCustomEndpoints,
        continueOnError,
        refresh,
        parallel,
    };
}

/** The fleet's options from `argv` as main reads them (--help aside); throws a UsageError naming what is wrong. */
export function parseOptions(argv: readonly string[]): FleetOptions {
    const commandLine = parseCommandLine(SPEC, argv);
    if (commandLine === "help") fail("--help asks for the help, not a run.");
    return optionsOf(commandLine);
}
