// A throwaway copy of this project driven through the real Pulumi CLI (the version
// pinned by the npm package `pulumi`), with a local file backend and passphrase
// secrets, pointed at the tenant emulator; the end-to-end suite, the benchmark and the
// demo use it. Each workspace gets its own PULUMI_HOME (pulumi-home.ts: the
// toolchain's CLI from build.sh, plus the azuread plugin installed by the CLI), and
// automatic plugin downloads are off.

import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { PulumiHome, preparePulumiHome, PulumiHomeOptions } from "./pulumi-home";

export const REPOSITORY = path.resolve(__dirname, "..");
const PROJECT_FILES = ["Pulumi.yaml", "package.json", "tsconfig.json", "program.js", "index.ts", "lib", "providers", "policy"];
const PULUMI = path.join(REPOSITORY, "node_modules", "pulumi", "run.js");

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface PulumiWorkspace {
    readonly directory: string;
    readonly stateDirectory: string;
    readonly stack: string;
    /** Which azuread plugin the engine loads: the real binary or the test-only stand-in. */
    readonly azureadPlugin: "stand-in" | "real";
    /** Every command's output so far, to check for secrets. */
    readonly transcript: string[];
    /** What a shell needs to run `npx pulumi` in this workspace itself (the tenant's endpoints included). */
    readonly variables: Readonly<Record<string, string>>;
    /** Runs `pulumi <args>` in the project; rejects on a non-zero exit unless allowFailure. */
    run(args: string[], options?: RunOptions): Promise<CliResult>;
    setConfig(key: string, value: string, options?: { secret?: boolean; path?: boolean }): Promise<void>;
    remove(): Promise<void>;
}

/** The passphrase of every workspace's stack secrets (throwaway stacks only). */
export const WORKSPACE_PASSPHRASE = "end-to-end passphrase";

export interface RunOptions {
    readonly allowFailure?: boolean;
    readonly input?: string;
    /** Told the process id of the CLI wrapper once it started (to watch its processes). */
    readonly onStart?: (pid: number) => void;
    /** Extra environment variables for this command only. */
    readonly env?: Record<string, string>;
    /** Sees the command's output as it arrives, standard output and error alike. */
    readonly onChunk?: (text: string) => void;
}

export interface WorkspaceOptions {
    readonly stack: string;
    /** The emulator's variables: endpoints, CA, operator id and tenant. */
    readonly env: Record<string, string>;
    /** How the workspace's PULUMI_HOME is made (default: throwaway, no download). */
    readonly home?: PulumiHomeOptions;
    /** Sees every command's output (tests check it for secrets). */
    readonly onOutput?: (text: string) => void;
    /** Told every secret set in the stack's configuration. */
    readonly onSecret?: (value: string) => void;
}

/**
 * A copy of the project's files in `directory` (plus `extra` entries), sharing the
 * repository's node_modules: one copy of @pulumi/pulumi for program and providers.
 */
export async function copyProject(directory: string, extra: readonly string[] = []): Promise<void> {
    await fs.mkdir(directory, { recursive: true });
    for (const entry of [...PROJECT_FILES, ...extra]) {
        await fs.cp(path.join(REPOSITORY, entry), path.join(directory, entry), { recursive: true });
    }
    await fs.symlink(path.join(REPOSITORY, "node_modules"), path.join(directory, "node_modules"), "dir");
}

export async function createWorkspace(options: WorkspaceOptions): Promise<PulumiWorkspace> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-e2e-"));
    const directory = path.join(root, "project");
    const stateDirectory = path.join(root, "state");
    await copyProject(directory);
    await fs.mkdir(stateDirectory);
    let home: PulumiHome;
    try {
        home = await preparePulumiHome(options.home);
    } catch (error) {
        await fs.rm(root, { recursive: true, force: true });
        throw error;
    }

    const variables: Record<string, string> = {
        ...options.env,
        PULUMI_HOME: home.pulumiHome,
        PULUMI_BACKEND_URL: `file://${stateDirectory}`,
        PULUMI_CONFIG_PASSPHRASE: WORKSPACE_PASSPHRASE,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...variables,
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        NO_COLOR: "1",
    };
    const transcript: string[] = [];

    const run = (args: string[], runOptions: RunOptions = {}): Promise<CliResult> =>
        new Promise((resolve, reject) => {
            const child = execFile(
                process.execPath,
                [PULUMI, ...args, "--stack", options.stack, "--non-interactive"],
                { cwd: directory, env: { ...env, ...runOptions.env }, maxBuffer: 64 * 1024 * 1024 },
                (error, stdout, stderr) => {
                    const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
                    transcript.push(`$ pulumi ${args.join(" ")}\n${stdout}\n${stderr}`);
                    options.onOutput?.(`${stdout}\n${stderr}`);
                    if (code !== 0 && !runOptions.allowFailure) {
                        reject(new Error(`pulumi ${args.join(" ")} exited with ${code}:\n${stdout}\n${stderr}`));
                    } else {
                        resolve({ code, stdout, stderr });
                    }
                },
            );
            if (runOptions.onChunk) {
                child.stdout?.on("data", (chunk) => runOptions.onChunk!(String(chunk)));
                child.stderr?.on("data", (chunk) => runOptions.onChunk!(String(chunk)));
            }
            // A command that ends before reading its input (interrupted, say) is not an error here.
            child.stdin?.on("error", () => undefined);
            child.stdin?.end(runOptions.input ?? "");
            if (child.pid !== undefined) runOptions.onStart?.(child.pid);
        });

    const workspace: PulumiWorkspace = {
        directory,
        stateDirectory,
        stack: options.stack,
        azureadPlugin: home.azureadPlugin,
        transcript,
        variables,
        run,
        async setConfig(key, value, configOptions = {}) {
            const flags = configOptions.path ? ["--path"] : [];
            // A secret goes in through standard input, as an operator should type it:
            // never on a command line, where process lists and shell history keep it.
            if (configOptions.secret) options.onSecret?.(value);
            if (configOptions.secret) await run(["config", "set", "--secret", ...flags, key], { input: value });
            else await run(["config", "set", ...flags, key, value]);
        },
        remove: async () => {
            await fs.rm(root, { recursive: true, force: true });
            await home.remove();
        },
    };
    // `stack init` takes no --stack flag semantics beyond the name; run it directly.
    await new Promise<void>((resolve, reject) =>
        execFile(
            process.execPath,
            [PULUMI, "stack", "init", options.stack, "--secrets-provider", "passphrase", "--non-interactive"],
            { cwd: directory, env },
            (error, stdout, stderr) => (error ? reject(new Error(`pulumi stack init failed:\n${stdout}\n${stderr}`)) : resolve()),
        ),
    ).catch(async (error) => {
        await workspace.remove();
        throw error;
    });
    return workspace;
}

/** Every file under a directory, as text, to look for secrets. */
export async function readAllFiles(directory: string): Promise<{ file: string; text: string }[]> {
    const found: { file: string; text: string }[] = [];
    for (const entry of await fs.readdir(directory, { withFileTypes: true, recursive: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath ?? (entry as any).path, entry.name);
        found.push({ file, text: await fs.readFile(file, "latin1") });
    }
    return found;
}
