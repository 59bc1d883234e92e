// A throwaway copy of the project (fleet/ included) with many stacks, one per emulated
// tenant, in one local file backend, as a team keeps its tenants: each stack names its
// tenant's endpoints, operator and (encrypted) secret in its own configuration, so one
// `npm run fleet` reaches every tenant. The fleet's end-to-end test and benchmark use it.

import { ChildProcess, execFile, spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import type { RunningEmulator } from "../emulator";
import { preparePulumiHome } from "./pulumi-home";
import { copyProject, REPOSITORY, WORKSPACE_PASSPHRASE } from "./pulumi-workspace";

const PULUMI = path.join(REPOSITORY, "node_modules", "pulumi", "run.js");

export interface CommandResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface FleetProjectOptions {
    /** Sees every command's output (tests check it for secrets). */
    readonly onOutput?: (where: string, text: string) => void;
    /** Told every secret set in a stack's configuration. */
    readonly onSecret?: (value: string) => void;
    /** More variables for every command (a Pulumi setting, say). */
    readonly env?: Readonly<Record<string, string>>;
}

export interface StartedCommand {
    readonly child: ChildProcess;
    /** Its output so far, standard output and error alike. */
    output(): string;
    /** Resolves with the exit code, or the signal's name when a signal ended it. */
    readonly exited: Promise<number | string>;
    /** Sends `signal` to the command and every process it started (its own process group). */
    signal(signal: NodeJS.Signals): void;
}

export interface FleetProject {
    readonly directory: string;
    readonly stateDirectory: string;
    /** What a shell needs to run `npm run fleet` in the copy itself (a terminal's live progress, say). */
    readonly variables: Readonly<Record<string, string>>;
    /** A stack for the tenant behind `emulator`, configured for `stage`. */
    addTenant(stack: string, emulator: RunningEmulator, account: string, stage: string): Promise<void>;
    /** `npm run fleet -- <args>` in the copy, as a user runs it (with `extraEnv` added to its environment). */
    fleet(args: string[], extraEnv?: Readonly<Record<string, string>>): Promise<CommandResult>;
    /**
     * `npm run fleet -- <args>` (or `pulumi <args>`) in the copy, in a process group of
     * its own, so a test can interrupt or kill it and everything under it at any moment.
     */
    start(command: "fleet" | "pulumi", args: string[]): StartedCommand;
    /** `pulumi <args>` in the copy; rejects on a non-zero exit. */
    pulumi(args: string[], input?: string): Promise<CommandResult>;
    remove(): Promise<void>;
}

/** The variables that would point every tenant at one emulator: each stack names its own. */
const TENANT_VARIABLES = /^(ARM_|AZURE_AUTHORITY_HOST$|D365BA_(GRAPH|BAP)_URL$|D365BA_CUSTOM_ENDPOINTS$)/;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, options: FleetProjectOptions, input = ""): Promise<CommandResult> {
    return new Promise((resolve) => {
        const child = execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            options.onOutput?.(`${command} ${args.join(" ")}`, `${stdout}\n${stderr}`);
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
        });
        child.stdin?.on("error", () => undefined);
        child.stdin?.end(input);
    });
}

export async function createFleetProject(options: FleetProjectOptions = {}): Promise<FleetProject> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-fleet-"));
    const directory = path.join(root, "project");
    const stateDirectory = path.join(root, "state");
    await copyProject(directory, ["fleet", "scripts", "workspace", "cli"]);
    await fs.mkdir(stateDirectory);
    const home = await preparePulumiHome().catch(async (error) => {
        await fs.rm(root, { recursive: true, force: true });
        throw error;
    });
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !TENANT_VARIABLES.test(name)));
    Object.assign(env, {
        PULUMI_HOME: home.pulumiHome,
        PULUMI_BACKEND_URL: `file://${stateDirectory}`,
        PULUMI_CONFIG_PASSPHRASE: WORKSPACE_PASSPHRASE,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        NO_COLOR: "1",
        ...options.env,
    });

    const pulumi = async (args: string[], input?: string) => {
        const result = await run(process.execPath, [PULUMI, ...args, "--non-interactive"], directory, env, options, input);
        if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
        return result;
    };

    const ownVariables = /^(PULUMI_|NODE_EXTRA_CA_CERTS$|SSL_CERT_FILE$|NO_COLOR$)/;
    return {
        directory,
        stateDirectory,
        get variables() {
            return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => ownVariables.test(entry[0]) && entry[1] !== undefined));
        },
        pulumi,
        async addTenant(stack, emulator, account, stage) {
            const seed = emulator.state();
            options.onSecret?.(seed.operator.clientSecret!);
            // Trust, unlike endpoints, is shared: every emulator's servers are signed by the one CA of the CA directory.
            env.NODE_EXTRA_CA_CERTS = emulator.env.NODE_EXTRA_CA_CERTS;
            env.SSL_CERT_FILE = emulator.env.SSL_CERT_FILE;
            await pulumi(["stack", "init", stack, "--secrets-provider", "passphrase"]);
            const settings = {
                "azuread:tenantId": emulator.tenantId,
                "azuread:clientId": seed.operator.clientId,
                "azuread:metadataHost": emulator.endpoints.metadataHost,
                "d365-backup-access:endpoints.bap": emulator.endpoints.bap,
                // The emulator's hosts are not the cloud's: the stack opts in, as the emulator's env file does.
                "d365-backup-access:customEndpoints": "true",
                "d365-backup-access:serviceAccount": account,
                "d365-backup-access:environments[0]": "*",
                "d365-backup-access:stage": stage,
            };
            await pulumi([
                "config",
                "set-all",
                "--stack",
                stack,
                "--path",
                ...Object.entries(settings).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]),
            ]);
            // The secret goes in on standard input, never on a command line.
            await pulumi(["config", "set", "--stack", stack, "--secret", "azuread:clientSecret"], seed.operator.clientSecret);
        },
        fleet: (args, extraEnv = {}) => run("npm", ["run", "--silent", "fleet", "--", ...args], directory, { ...env, ...extraEnv }, options),
        start(command, args) {
            const [file, argv] =
                command === "fleet" ? ["npm", ["run", "--silent", "fleet", "--", ...args]] : [process.execPath, [PULUMI, ...args, "--non-interactive"]];
            const child = spawn(file, argv, { cwd: directory, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
            let output = "";
            child.stdout!.on("data", (chunk) => (output += chunk));
            child.stderr!.on("data", (chunk) => (output += chunk));
            const exited = new Promise<number | string>((resolve) =>
                child.on("close", (code, signal) => {
                    options.onOutput?.(`${command} ${args.join(" ")}`, output);
                    resolve(code ?? signal ?? "unknown");
                }),
            );
            return {
                child,
                output: () => output,
                exited,
                signal(signal) {
                    try {
                        process.kill(-child.pid!, signal);
                    } catch (error) {
                        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
                    }
                },
            };
        },
        remove: async () => {
            await fs.rm(root, { recursive: true, force: true });
            await home.remove();
        },
    };
}
