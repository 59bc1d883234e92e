// npm run emulator -- --seed FILE [--env-file FILE] [--ca-dir DIR]
//
// Starts the tenant emulator, prints one line of JSON (endpoints, caFile, envFile,
// tenantId) to standard output, writes the env file, and runs until SIGINT or
// SIGTERM (or until the process that started it goes away). Without --env-file the
// env file goes to the OS temp dir and is removed on exit. The command line follows
// the rules every command of the project shares (cli/); the emulator itself (index.ts)
// needs nothing outside this folder.
//
// Exit status: 0 once stopped; 2 when it cannot start (the command line, the seed, the
// CA directory), before anything is served.
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { command, CommandSpec, EXIT_OK, EXIT_USAGE, messageOf, OptionSpecs, runMain, UsageError, writeLine } from "../cli";
import { RunningEmulator, startEmulator } from "./index";

export const SPEC = {
    name: "emulator",
    usage: "npm run emulator -- --seed FILE [--env-file FILE] [--ca-dir DIR]",
    description:
        "Serves an emulated tenant (sign-in, Graph, BAP, Dataverse) on this machine until Ctrl-C, and prints one line\n" +
        "of JSON: its endpoints, CA file, env file and tenant id. Exit status: 2 when it cannot start.",
    options: {
        seed: { type: "string", value: "FILE", help: "the tenant to serve (required), e.g. emulator/seeds/demo.json" },
        "env-file": {
            type: "string",
            value: "FILE",
            help: "write the variables that point a shell at the emulator here (default: a temporary file, removed on exit)",
        },
        "ca-dir": { type: "string", value: "DIR", help: "the emulator's certificate authority (default: one per user under the OS temp dir)" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

async function readSeed(file: string): Promise<unknown> {
    let text: string;
    try {
        text = await fs.readFile(file, "utf8");
    } catch (err) {
        throw new Error(`cannot read the seed file ${file}: ${messageOf(err)}`);
    }
    try {
        return JSON.parse(text);
    } catch (err) {
        throw new Error(`the seed file ${file} is not valid JSON: ${messageOf(err)}`);
    }
}

/** Resolves with what ended the run: a signal, or the process that started the emulator going away. */
function stopRequested(): Promise<string> {
    return new Promise((resolve) => {
        const parent = process.ppid;
        // A wrapper that dies without passing its signal on (a shell, a killed npm) must not
        // leave the emulator running: stop when re-parented.
        const watch = setInterval(() => process.ppid !== parent && end("parent process exited"), 500).unref();
        const end = (reason: string) => {
            clearInterval(watch);
            resolve(reason);
        };
        process.once("SIGINT", () => end("SIGINT"));
        process.once("SIGTERM", () => end("SIGTERM"));
    });
}

export const main = command(SPEC, async ({ values }, io) => {
    if (!values.seed) throw new UsageError("--seed is required.");
    const envFile = path.resolve(io.cwd, values["env-file"] ?? path.join(os.tmpdir(), `d365ba-emulator-${process.pid}.env`));
    let emulator: RunningEmulator;
    try {
        const seed = await readSeed(path.resolve(io.cwd, values.seed));
        emulator = await startEmulator(seed, { envFile, ...(values["ca-dir"] ? { caDir: path.resolve(io.cwd, values["ca-dir"]) } : {}) });
    } catch (err) {
        writeLine(io.stderr, `emulator: ${messageOf(err)}`);
        return EXIT_USAGE;
    }
    writeLine(io.stdout, JSON.stringify({ endpoints: emulator.endpoints, caFile: emulator.caFile, envFile, tenantId: emulator.tenantId }));

    const reason = await stopRequested();
    writeLine(io.stderr, `[emulator] ${reason}: stopping`);
    await emulator.stop();
    if (!values["env-file"]) await fs.rm(envFile, { force: true });
    return EXIT_OK;
});

if (require.main === module) runMain(main);
