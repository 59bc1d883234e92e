// `npm run prepare-shell`: makes a shell ready to run this project by hand, with a
// PULUMI_HOME of its own, so the user's ~/.pulumi is never touched:
//
//   1. the pinned Pulumi CLI: already installed, or downloaded by the npm `pulumi`
//      package, or (no internet) built from Go modules by scripts/toolchain/build.sh;
//   2. the azuread provider plugin: the real one, downloaded by `pulumi plugin install`,
//      or, where it cannot be had, the TEST-ONLY stand-in (test/e2e/azuread-stand-in),
//      which only knows what this program asks of Entra and is meant for the tenant
//      emulator, never for a real tenant. It is installed under the real plugin's name
//      and version (that is how the engine loads it), so it is installed only in a shell
//      pointed at the emulator (every endpoint variable on a loopback host, the
//      emulator's env file sourced), announced in a banner, and it refuses any other
//      endpoint itself at configure time;
//   3. an env file to source: PULUMI_HOME, a local state backend inside it, and no
//      plugin downloads when the stand-in is in use.
//
//   npm run prepare-shell -- [--pulumi-home DIR] [--env-file FILE]
//   . ./pulumi-local.env
//
// Progress goes to standard error; the last line says what is ready and what is not.

import { promises as fs } from "fs";
import * as path from "path";

import { command, CommandIo, CommandSpec, EXIT_FAILED, EXIT_OK, messageOf, OptionSpecs, progressFor, runMain } from "../cli";
import { writeEnvFile } from "../emulator/env-file";
import { notPointedAtEmulator } from "../workspace/loopback";
import { ensurePinnedCli, pinnedAzureadVersion, pinnedCliVersion, preparePulumiHome } from "../workspace/pulumi-home";

const REPOSITORY = path.resolve(__dirname, "..");

export const SPEC = {
    name: "prepare-shell",
    usage: "npm run prepare-shell -- [--pulumi-home DIR] [--env-file FILE]",
    description:
        "Makes a shell ready to run this project by hand, with a Pulumi home of its own: the pinned Pulumi CLI, the\n" +
        "azuread plugin, and an env file to source. Progress goes to standard error; the last line says what is ready.",
    options: {
        "pulumi-home": { type: "string", value: "DIR", help: "the shell's Pulumi home (default: .pulumi-local in the project)" },
        "env-file": { type: "string", value: "FILE", help: "the env file to source (default: pulumi-local.env in the project)" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

/** Hard to miss: the plugin the engine will load as azuread is not the azuread provider. */
export function standInBanner(azureadVersion: string): string[] {
    const lines = [
        `WARNING: the TEST-ONLY azuread stand-in is installed as pulumi-resource-azuread v${azureadVersion},`,
        "under the real plugin's name and version, because the real plugin could not be downloaded.",
        "It is NOT the Pulumi azuread provider (test/e2e/azuread-stand-in): it knows only what this",
        "program asks of Entra, and it talks only to the tenant emulator on this machine (loopback",
        "endpoints; it refuses any other at configure time). Never use this shell for a real tenant:",
        "install the real plugin there (pulumi plugin install resource azuread <version> --reinstall).",
    ];
    const width = Math.max(...lines.map((line) => line.length));
    const rule = "*".repeat(width + 4);
    return [rule, ...lines.map((line) => `* ${line.padEnd(width)} *`), rule];
}

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    const progress = progressFor(io.stderr, { prefix: "prepare-shell: " });
    const say = (line: string) => progress.line(line);
    try {
        await prepare(
            {
                pulumiHome: path.resolve(io.cwd, values["pulumi-home"] ?? path.join(REPOSITORY, ".pulumi-local")),
                envFile: path.resolve(io.cwd, values["env-file"] ?? path.join(REPOSITORY, "pulumi-local.env")),
            },
            io.env,
            say,
        );
        return EXIT_OK;
    } catch (error) {
        say(`failed: ${messageOf(error)}`);
        return EXIT_FAILED;
    }
});

async function prepare(options: { pulumiHome: string; envFile: string }, env: CommandIo["env"], say: (line: string) => void): Promise<void> {
    const [cliVersion, azureadVersion] = await Promise.all([pinnedCliVersion(), pinnedAzureadVersion()]);
    await ensurePinnedCli(say);
    // The stand-in answers to the real plugin's name and version: never where this shell
    // could reach a real tenant.
    const notEmulator = notPointedAtEmulator(env);
    const home = await preparePulumiHome({
        directory: options.pulumiHome,
        downloadAzuread: true,
        log: say,
        ...(notEmulator ? { standInRefused: `this shell is not pointed at the tenant emulator (${notEmulator})` } : {}),
    });
    if (home.azureadPlugin === "stand-in") {
        for (const line of standInBanner(azureadVersion)) say(line);
    } else {
        say(`azuread plugin v${azureadVersion}: the real plugin`);
    }
    const state = path.join(options.pulumiHome, "state");
    await fs.mkdir(state, { recursive: true });
    const variables: Record<string, string> = {
        PULUMI_HOME: options.pulumiHome,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        ...(home.azureadPlugin === "stand-in" ? { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" } : {}),
    };
    await writeEnvFile(options.envFile, variables, "This project's own Pulumi home and local state");
    say(
        `ready: Pulumi CLI v${cliVersion}, azuread plugin v${azureadVersion} (${home.azureadPlugin === "stand-in" ? "TEST-ONLY stand-in" : "real"}), state in ${state}`,
    );
    say(`next: . ${options.envFile}   then \`npx pulumi stack init <tenant> --secrets-provider passphrase\` (docs/runbook.md)`);
}

if (require.main === module) runMain(main);
