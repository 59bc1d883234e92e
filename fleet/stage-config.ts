// `fleet preview --stage S` previews the move to S without writing S anywhere the stack
// reads it: the stack's settings file (Pulumi.<stack>.yaml) is copied to a private
// temporary folder, the stage is set in the copy, and the preview runs with
// `--config-file <copy>`. The stack's own file is never opened for writing, so no
// interruption (Ctrl-C, SIGTERM, SIGKILL) can leave the previewed stage behind for the
// next scheduled `up` to apply. The copy holds what the original holds (secrets stay
// encrypted) and is removed afterwards, also when SIGINT or SIGTERM ends the fleet
// (then the signal is raised again, so the process ends as it would have).

import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { execFile } from "child_process";
import { promises as fs, rmSync } from "fs";
import * as os from "os";
import * as path from "path";

import { shortName } from "../cli";

/** The extensions the Automation API's LocalWorkspace looks for, in its order. */
const SETTINGS_EXTENSIONS = [".yaml", ".yml", ".json"];

/** The stack's settings file in the project directory; throws naming the files looked for when there is none. */
export async function stackSettingsFile(projectDirectory: string, stack: string): Promise<string> {
    const candidates = SETTINGS_EXTENSIONS.map((extension) => path.join(projectDirectory, `Pulumi.${shortName(stack)}${extension}`));
    for (const candidate of candidates) {
        if (
            await fs.stat(candidate).then(
                (stat) => stat.isFile(),
                () => false,
            )
        )
            return candidate;
    }
    throw new Error(
        `no settings file for stack ${shortName(stack)}: looked for ${candidates.map((file) => path.basename(file)).join(", ")} in ${projectDirectory}.`,
    );
}

/** The workspace's CLI with the workspace's variables (the Automation API keeps its own runner internal). */
function runPulumi(workspace: LocalWorkspace, args: string[]): Promise<void> {
    const env = { ...process.env, ...(workspace.pulumiHome ? { PULUMI_HOME: workspace.pulumiHome } : {}), ...workspace.envVars };
    return new Promise((resolve, reject) =>
        execFile(workspace.pulumiCommand.command, args, { cwd: workspace.workDir, env }, (error, _stdout, stderr) =>
            error ? reject(new Error(`pulumi ${args.slice(0, 2).join(" ")} failed: ${stderr.trim() || error.message}`)) : resolve(),
        ),
    );
}

/** The copies that exist now; removed on SIGINT or SIGTERM before the signal ends the process. */
const copies = new Set<string>();
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

function removeCopiesAndRaise(signal: NodeJS.Signals): void {
    for (const directory of copies) rmSync(directory, { recursive: true, force: true });
    copies.clear();
    for (const each of SIGNALS) process.removeListener(each, removeCopiesAndRaise);
    process.kill(process.pid, signal);
}

function track(directory: string): () => Promise<void> {
    if (copies.size === 0) for (const signal of SIGNALS) process.on(signal, removeCopiesAndRaise);
    copies.add(directory);
    return async () => {
        copies.delete(directory);
        if (copies.size === 0) for (const signal of SIGNALS) process.removeListener(signal, removeCopiesAndRaise);
        await fs.rm(directory, { recursive: true, force: true });
    };
}

export interface StageConfig {
    /** The copy to pass as `configFile`. */
    readonly file: string;
    remove(): Promise<void>;
}

/**
 * A copy of the stack's settings with `key` set to `value`, written by the CLI itself
 * (`pulumi config set --config-file`), so the copy's format and encryption are the CLI's own.
 */
export async function stageConfigCopy(workspace: LocalWorkspace, stack: string, key: string, value: string): Promise<StageConfig> {
    const original = await stackSettingsFile(workspace.workDir, stack);
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-stage-"));
    const remove = track(directory);
    try {
        const file = path.join(directory, path.basename(original));
        await fs.copyFile(original, file);
        await fs.chmod(file, 0o600);
        await runPulumi(workspace, ["config", "set", "--stack", stack, "--config-file", file, "--non-interactive", key, value]);
        return { file, remove };
    } catch (error) {
        await remove();
        throw error;
    }
}
