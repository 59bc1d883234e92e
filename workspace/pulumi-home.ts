// A PULUMI_HOME of its own, for an end-to-end workspace (thrown away afterwards) or a
// shell prepared by `npm run prepare-shell` (kept): the pinned CLI from the
// toolchain's PULUMI_HOME (linked, not copied) and the azuread provider plugin,
// installed by the real CLI exactly as an operator installs one:
//
//   pulumi plugin install resource azuread <version>                 (downloaded, when asked and possible)
//   pulumi plugin install resource azuread <version> --file <file>
//
// <file> is D365BA_AZUREAD_PLUGIN_FILE when set (a real pulumi-resource-azuread
// binary), otherwise a generated launcher for the test-only stand-in in
// test/e2e/azuread-stand-in (the real plugin cannot be built offline; see its README).
// The user's own plugin cache is never touched.

import { execFile, spawn, spawnSync } from "child_process";
import { constants, existsSync, promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

const REPOSITORY = path.resolve(__dirname, "..");
const STAND_IN_LAUNCH = path.join(REPOSITORY, "test", "e2e", "azuread-stand-in", "launch.js");

export interface PulumiHome {
    readonly pulumiHome: string;
    /** Which azuread plugin the engine will load: the real one (downloaded or from a file) or the test-only stand-in. */
    readonly azureadPlugin: "stand-in" | "real";
    remove(): Promise<void>;
}

export interface PulumiHomeOptions {
    /** A directory to keep (created if missing); a temporary one, removed by remove(), when absent. */
    readonly directory?: string;
    /** Try to download the real azuread plugin first (a user's shell; tests never download). */
    readonly downloadAzuread?: boolean;
    /**
     * Set when the test-only stand-in must not be installed, saying why: preparePulumiHome
     * then fails with it instead of falling back to the stand-in.
     */
    readonly standInRefused?: string;
    readonly log?: (line: string) => void;
}

/** Where the toolchain's CLI lives: PULUMI_HOME, or ~/.pulumi. */
export function toolchainHome(): string {
    return process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
}

export async function pinnedCliVersion(): Promise<string> {
    return (await readJson(path.join(REPOSITORY, "node_modules", "pulumi", "package.json"))).version;
}

export async function pinnedAzureadVersion(): Promise<string> {
    return (await readJson(path.join(REPOSITORY, "node_modules", "@pulumi", "azuread", "package.json"))).pulumi.version;
}

async function readJson(file: string): Promise<any> {
    return JSON.parse(await fs.readFile(file, "utf8"));
}

async function isExecutable(file: string): Promise<boolean> {
    try {
        await fs.access(file, constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Removes the azuread plugin from `pulumiHome` when it is the stand-in's launcher (its
 * script says so), so that a shell no longer pointed at the emulator cannot load it.
 */
async function removeInstalledStandIn(pulumiHome: string, version: string): Promise<boolean> {
    const directory = path.join(pulumiHome, "plugins", `resource-azuread-v${version}`);
    const launcher = await fs.readFile(path.join(directory, "pulumi-resource-azuread"), "utf8").catch(() => "");
    if (!launcher.includes("TEST-ONLY stand-in")) return false;
    await fs.rm(directory, { recursive: true, force: true });
    await fs.rm(`${directory}.lock`, { force: true });
    return true;
}

/** An executable script that starts the stand-in (its TypeScript from the compile cache), with absolute paths only. */
async function writeStandInLauncher(directory: string): Promise<string> {
    const file = path.join(directory, "pulumi-resource-azuread");
    const script = [
        "#!/bin/sh",
        "# TEST-ONLY stand-in for pulumi-resource-azuread (see test/e2e/azuread-stand-in/README.md).",
        `exec ${shellQuote(process.execPath)} ${shellQuote(STAND_IN_LAUNCH)} "$@"`,
        "",
    ].join("\n");
    await fs.writeFile(file, script, { mode: 0o755 });
    return file;
}

function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile(cli, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
            error ? reject(new Error(`pulumi ${args.join(" ")} failed:\n${stdout}\n${stderr}`)) : resolve(stdout),
        ),
    );
}

export async function preparePulumiHome(options: PulumiHomeOptions = {}): Promise<PulumiHome> {
    const log = options.log ?? (() => undefined);
    const cliVersion = await pinnedCliVersion();
    const cli = path.join(toolchainHome(), "versions", cliVersion, "bin", "pulumi");
    if (!(await isExecutable(cli))) {
        throw new Error(
            `The Pulumi CLI ${cliVersion} is not installed at ${cli}. Build and install the toolchain first: ` +
                "`bash scripts/toolchain/build.sh` (it honours PULUMI_HOME).",
        );
    }
    const azureadVersion = await pinnedAzureadVersion();

    const pulumiHome = options.directory ?? (await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-pulumi-home-")));
    const remove = async () => {
        // Unlink the link first: the toolchain's own versions/ must survive.
        await fs.unlink(path.join(pulumiHome, "versions")).catch(() => undefined);
        await fs.rm(pulumiHome, { recursive: true, force: true });
    };
    try {
        await fs.mkdir(pulumiHome, { recursive: true });
        const versions = path.join(pulumiHome, "versions");
        if (path.resolve(toolchainHome()) !== path.resolve(pulumiHome)) {
            await fs.rm(versions, { recursive: true, force: true });
            await fs.symlink(path.join(toolchainHome(), "versions"), versions, "dir");
        }

        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_HOME: pulumiHome,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
            NO_COLOR: "1",
        };
        // A stand-in a previous run installed here would make `pulumi plugin install` answer
        // "already installed" and pass for the real plugin: take it out first.
        const removedStandIn = options.downloadAzuread ? await removeInstalledStandIn(pulumiHome, azureadVersion) : false;
        if (options.downloadAzuread && !process.env.D365BA_AZUREAD_PLUGIN_FILE) {
            log(`downloading the azuread provider plugin v${azureadVersion} (pulumi plugin install) …`);
            const downloaded = await runCli(cli, ["plugin", "install", "resource", "azuread", azureadVersion, "--non-interactive"], env).then(
                () => true,
                (error: Error) => {
                    log(
                        `could not download it (${
                            error.message
                                .split("\n")
                                .find((line) => /error/i.test(line))
                                ?.trim() ?? "no network?"
                        })`,
                    );
                    return false;
                },
            );
            if (downloaded) return { pulumiHome, azureadPlugin: "real", remove };
        }

        const realPlugin = process.env.D365BA_AZUREAD_PLUGIN_FILE;
        if (realPlugin && !(await isExecutable(realPlugin))) {
            throw new Error(
                `D365BA_AZUREAD_PLUGIN_FILE is '${realPlugin}', which is not an executable file; a pulumi-resource-azuread ${azureadVersion} binary is expected.`,
            );
        }
        if (!realPlugin && options.standInRefused) {
            throw new Error(
                (removedStandIn ? `The TEST-ONLY stand-in a previous run installed in ${pulumiHome} has been removed. ` : "") +
                    `The real azuread plugin v${azureadVersion} could not be installed, and the TEST-ONLY stand-in is not installed in its place: ${options.standInRefused}. ` +
                    `Install the real plugin (network access, or D365BA_AZUREAD_PLUGIN_FILE naming a pulumi-resource-azuread ${azureadVersion} binary), ` +
                    "or, to try the program against the tenant emulator, source its env file first (`. ./emulator.env`).",
            );
        }
        const launcherDirectory = path.join(pulumiHome, "azuread-stand-in");
        if (!realPlugin) await fs.mkdir(launcherDirectory, { recursive: true });
        const file = realPlugin ?? (await writeStandInLauncher(launcherDirectory));

        await runCli(cli, ["plugin", "install", "resource", "azuread", azureadVersion, "--file", file, "--non-interactive", "--reinstall"], env);

        const installed: Array<{ name: string; kind: string; version: string }> = JSON.parse(await runCli(cli, ["plugin", "ls", "--json"], env));
        if (!installed.some((p) => p.name === "azuread" && p.kind === "resource" && p.version === azureadVersion)) {
            throw new Error(
                `pulumi plugin ls does not list resource azuread ${azureadVersion} after installing it from ${file}:\n${JSON.stringify(installed)}`,
            );
        }
        return { pulumiHome, azureadPlugin: realPlugin ? "real" : "stand-in", remove };
    } catch (error) {
        if (!options.directory) await remove();
        throw error;
    }
}

/** The pinned CLI in the toolchain's PULUMI_HOME: found, downloaded, or built. */
export async function ensurePinnedCli(say: (line: string) => void): Promise<void> {
    const version = await pinnedCliVersion();
    const cli = path.join(toolchainHome(), "versions", version, "bin", "pulumi");
    if (existsSync(cli)) {
        say(`Pulumi CLI v${version}: installed (${cli})`);
        return;
    }
    say(`Pulumi CLI v${version}: not installed; asking the npm package \`pulumi\` to download it …`);
    const download = spawnSync(process.execPath, [path.join(REPOSITORY, "node_modules", "pulumi", "run.js"), "version"], {
        env: { ...process.env, PULUMI_HOME: toolchainHome(), PULUMI_SKIP_UPDATE_CHECK: "true" },
        encoding: "utf8",
        timeout: 120_000,
    });
    if (download.status === 0 && existsSync(cli)) {
        say(`Pulumi CLI v${version}: downloaded`);
        return;
    }
    say(
        `Pulumi CLI v${version}: cannot be downloaded here; building it from Go modules with scripts/toolchain/build.sh ` +
            `(about 5 to 9 minutes on 2 cores the first time, a second afterwards) …`,
    );
    const code = await new Promise<number>((resolve) => {
        const build = spawn("bash", [path.join(REPOSITORY, "scripts", "toolchain", "build.sh")], {
            env: { ...process.env, PULUMI_HOME: toolchainHome() },
            stdio: ["ignore", "inherit", "inherit"],
        });
        build.on("exit", (status) => resolve(status ?? 1));
        build.on("error", () => resolve(1));
    });
    if (code !== 0 || !existsSync(cli)) {
        throw new Error(`the Pulumi CLI v${version} could neither be downloaded nor built (build.sh exited with ${code}); see its output above.`);
    }
}
