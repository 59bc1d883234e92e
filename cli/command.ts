// A command's command line, one way for every command: declared options and a usage
// line, read with Node's util.parseArgs, and the same rules everywhere:
//
//   - `--` before the arguments is npm's separator (each npm script passes one, so that
//     Node never reads an argument such as `--env-file` as its own): it is dropped;
//   - `--flag value` and `--flag=value` alike; a list option takes values separated by
//     commas, and given again adds to them;
//   - a usage error (an unknown option, named; a missing value; a bad value) prints the
//     problem and the usage line on standard error and exits 2;
//   - `--help` (or `-h`) prints the usage line and every option on standard output and
//     exits 0;
//   - anything else that goes wrong prints `<command>: <message>` (through messageOf,
//     so no token is ever printed) and exits 1, unless the command says otherwise.
//
// Each command exports `main(argv, io)`, which returns the exit status and never
// throws, so a test runs it in process; its file ends with `runMain(main)`.

import { parseArgs } from "util";

// The defining module, not the providers' public entry: every command loads this, the
// emulator's too, and the entry loads every client (seconds, on a cold start).
import { messageOf } from "../providers/transport/errors";
import { CommandIo, processIo, writeLine } from "./io";

/** Nothing failed. */
export const EXIT_OK = 0;
/** The command ran and something it checked or did failed. */
export const EXIT_FAILED = 1;
/** The command line (or the stacks it names) is wrong; nothing ran. */
export const EXIT_USAGE = 2;

export interface OptionSpec {
    readonly type: "boolean" | "string";
    /** One letter: `-y` for `--yes`. */
    readonly short?: string;
    /** A string option whose value is a comma-separated list; given more than once, the lists add up. */
    readonly list?: boolean;
    /** What the value is, in the help and in messages: FILE, N, NAME[,NAME…]. */
    readonly value?: string;
    /** The option's line in --help (more lines after "\n"). */
    readonly help?: string;
    /** Another spelling of the option named here, kept for old command lines; not shown in --help. */
    readonly aliasOf?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<O extends OptionSpecs> {
    /** The command's name, which starts its messages: "fleet: …". */
    readonly name: string;
    /** How to run it, without "usage: ": "npm run doctor -- [--stacks NAME[,NAME…] | --all] [--json]". */
    readonly usage: string;
    /** What it does, for --help. */
    readonly description?: string;
    /** More for --help, before the options: a list of subcommands, say. */
    readonly details?: string;
    readonly options: O;
    /** How many words (not options) it takes; none unless set. */
    readonly positionals?: number;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean : S extends { readonly list: true } ? string[] : string | undefined;

/** The options as read: a switch is true or false, a list an array (empty when not given), a value undefined when not given. */
export type Values<O extends OptionSpecs> = { -readonly [K in keyof O as O[K] extends { readonly aliasOf: string } ? never : K]: ValueOf<O[K]> };

export interface CommandLine<O extends OptionSpecs> {
    readonly values: Values<O>;
    readonly positionals: readonly string[];
}

/** A mistake in the command line: the command prints it with its usage line and exits 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export function usageLine(spec: CommandSpec<OptionSpecs>): string {
    return `usage: ${spec.usage}`;
}

/** `--seed FILE`, `-y, --yes`: how an option is written in --help. */
function optionLabel(name: string, option: OptionSpec): string {
    const long = `--${name}${option.type === "string" ? ` ${option.value ?? "VALUE"}` : ""}`;
    return option.short ? `-${option.short}, ${long}` : long;
}

const LABEL_WIDTH = 24;

/** Everything --help prints: the usage line, what the command does, and one entry per option. */
export function helpText(spec: CommandSpec<OptionSpecs>): string {
    const entries: [string, string][] = Object.entries(spec.options)
        .filter(([, option]) => option.aliasOf === undefined && option.help !== undefined)
        .map(([name, option]) => [optionLabel(name, option), option.help!]);
    entries.push(["-h, --help", "print this help and exit"]);
    const width = Math.min(LABEL_WIDTH, Math.max(...entries.map(([label]) => label.length)) + 2);
    const indent = " ".repeat(2 + width);
    const options = entries.flatMap(([label, help]) => {
        const [first, ...more] = help.split("\n");
        const head = label.length + 2 > width ? [`  ${label}`, `${indent}${first}`] : [`  ${label.padEnd(width)}${first}`];
        return [...head, ...more.map((line) => `${indent}${line}`)];
    });
    const sections = [usageLine(spec), spec.description, spec.details, ["options:", ...options].join("\n")];
    return sections.filter((section): section is string => !!section).join("\n\n");
}

/** The command line read by `spec`; "help" when it asks for --help. Throws UsageError naming what is wrong. */
export function parseCommandLine<O extends OptionSpecs>(spec: CommandSpec<O>, argv: readonly string[]): CommandLine<O> | "help" {
    let start = 0;
    while (argv[start] === "--") start++;
    const config: Record<string, { type: "boolean" | "string"; short?: string }> = { help: { type: "boolean", short: "h" } };
    for (const [name, option] of Object.entries(spec.options)) config[name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
    // Not strict: every token comes back, and the mistakes are named here in the project's words.
    const { tokens } = parseArgs({ args: argv.slice(start), options: config, strict: false, allowPositionals: true, tokens: true });
    if (tokens.some((token) => token.kind === "option" && token.name === "help")) return "help";

    const values: Record<string, boolean | string | string[] | undefined> = {};
    for (const [name, option] of Object.entries(spec.options)) {
        if (option.aliasOf === undefined) values[name] = option.type === "boolean" ? false : option.list ? [] : undefined;
    }
    const positionals: string[] = [];
    for (const token of tokens) {
        if (token.kind === "option-terminator") continue;
        if (token.kind === "positional") {
            if (positionals.length >= (spec.positionals ?? 0)) throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}.`);
            positionals.push(token.value);
            continue;
        }
        const declared = spec.options[token.name];
        if (!declared) throw new UsageError(`unknown option ${JSON.stringify(token.rawName)}.`);
        const key = declared.aliasOf ?? token.name;
        const option = spec.options[key];
        const flag = token.rawName;
        if (option.type === "boolean") {
            if (token.inlineValue) throw new UsageError(`${flag} takes no value; got ${JSON.stringify(token.value)}.`);
            values[key] = true;
            continue;
        }
        const value = token.value;
        if (value === undefined || value === "") throw new UsageError(`${flag} needs a value (${option.value ?? "VALUE"}).`);
        // parseArgs takes the next argument whatever it is; an option there means the value was left out.
        if (!token.inlineValue && (value === "--" || /^--?[A-Za-z]/.test(value))) {
            throw new UsageError(
                `${flag} needs a value (${option.value ?? "VALUE"}); ${JSON.stringify(value)} is an option (write ${flag}=${value} if it is the value).`,
            );
        }
        if (option.list) {
            const items = value.split(",").map((item) => item.trim());
            if (items.some((item) => item === ""))
                throw new UsageError(`${flag} ${JSON.stringify(value)} has an empty item; expected ${option.value ?? "VALUE[,VALUE…]"}.`);
            (values[key] as string[]).push(...items);
        } else {
            values[key] = value;
        }
    }
    return { values: values as Values<O>, positionals };
}

/** A whole number from `min` (to `max`), or a UsageError naming the option and the value. */
export function wholeNumber(flag: string, raw: string, min: number, max?: number): number {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || (max !== undefined && n > max)) {
        const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
        throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a whole number ${range}.`);
    }
    return n;
}

export type Main = (argv: readonly string[], io: CommandIo) => Promise<number>;

/** What a command does once its command line is read; returns the exit status. */
export type CommandBody<O extends OptionSpecs> = (commandLine: CommandLine<O>, io: CommandIo) => Promise<number>;

/** Prints a usage error: the problem, the usage line, and where to read more. */
export function reportUsageError(spec: CommandSpec<OptionSpecs>, io: CommandIo, error: UsageError): number {
    writeLine(io.stderr, `${spec.name}: ${error.message}`);
    writeLine(io.stderr, usageLine(spec));
    writeLine(io.stderr, "Run it with --help for every option.");
    return EXIT_USAGE;
}

/**
 * The command's main: reads the command line by `spec` (--help, usage errors), then runs
 * `body`. A UsageError from the body (a stack name that matches nothing) exits 2 too;
 * any other error prints the command's name and the message, and exits 1.
 */
export function command<O extends OptionSpecs>(spec: CommandSpec<O>, body: CommandBody<O>): Main {
    return async (argv, io) => {
        try {
            const commandLine = parseCommandLine(spec, argv);
            if (commandLine === "help") {
                writeLine(io.stdout, helpText(spec));
                return EXIT_OK;
            }
            return await body(commandLine, io);
        } catch (error) {
            if (error instanceof UsageError) return reportUsageError(spec, io, error);
            writeLine(io.stderr, `${spec.name}: ${messageOf(error)}`);
            return EXIT_FAILED;
        }
    };
}

/**
 * A command's entry point: runs `main` on this process's arguments and ends the process
 * with its status once standard output and error are written out (a command may leave
 * servers or timers behind; the status is what counts).
 */
export function runMain(main: Main): void {
    const exit = (code: number) => {
        process.exitCode = code;
        process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
    };
    main(process.argv.slice(2), processIo()).then(exit, (error) => {
        // main catches what it throws; this is for a bug in the catching.
        process.stderr.write(`${messageOf(error)}\n`);
        exit(EXIT_FAILED);
    });
}
