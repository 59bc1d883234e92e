// This project as the commands that work on its stacks see it (the doctor, the fleet):
// its Automation API workspace driven by the pinned CLI
// (workspace/project-workspace.ts), with the user's own backend and secrets,
// its stacks, and the stacks a command line chooses among them.

import { existsSync } from "fs";
import * as path from "path";

import { LocalWorkspace, Stack, StackSummary } from "@pulumi/pulumi/automation";

import { openProjectWorkspace } from "../workspace/project-workspace";
import { backendUrlOf, damagedBackendAdvice, fileBackendRoot, removeFiles, repairedBackendLine, unreadableMetadataFiles } from "./backend-files";
import { UsageError } from "./command";
import { selectStacks, StackSelector } from "./stacks";

export interface Project {
    /** Where Pulumi.yaml is. */
    readonly directory: string;
    /** The folder of the project's backend when it is a local file backend (cli/backend-files.ts); else null. */
    readonly fileBackendRoot: string | null;
    readonly workspace: LocalWorkspace;
    /** Every stack of the project in the backend, in the backend's order. */
    readonly stacks: readonly StackSummary[];
    /** The names of the stacks `selector` chooses; throws a UsageError naming what matches nothing. */
    choose(selector: StackSelector): Promise<string[]>;
    /** Selects the stacks one after the other (`pulumi stack select` writes one workspace file), then each runs on its own. */
    open(names: readonly string[]): Promise<Stack[]>;
}

export interface OpenOptions {
    /**
     * What to do with metadata files an interrupted CLI left unreadable in a local file
     * backend (cli/backend-files.ts), which stop every CLI command: `recover` removes them
     * and says so; every other command refuses before running anything, naming them.
     */
    readonly damagedBackend: "repair" | "refuse";
}

/**
 * The folder of a local file backend, after removing (or refusing with) the metadata files
 * an interrupted CLI left unreadable there; null, and nothing done, on other backends.
 */
export async function checkBackendFiles(
    workspace: Pick<LocalWorkspace, "projectSettings">,
    options: OpenOptions,
    say: (line: string) => void,
    env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
    const settings = await workspace.projectSettings();
    const root = fileBackendRoot(await backendUrlOf(settings.backend?.url, env));
    if (!root) return null;
    const damaged = await unreadableMetadataFiles(root, settings.name);
    if (!damaged.length) return root;
    if (options.damagedBackend === "refuse") throw new Error(damagedBackendAdvice(damaged, root, settings.name));
    await removeFiles(damaged);
    say(repairedBackendLine(damaged, root));
    return root;
}

/** The project in `directory`; `say` hears what takes time (the pinned CLI being fetched) and what was repaired. */
export async function openProject(directory: string, say: (line: string) => void, options: OpenOptions = { damagedBackend: "refuse" }): Promise<Project> {
    if (!existsSync(path.join(directory, "Pulumi.yaml"))) {
        throw new UsageError(`${directory} has no Pulumi.yaml; run the command from the project directory.`);
    }
    const workspace = await openProjectWorkspace(directory, say);
    const backendRoot = await checkBackendFiles(workspace, options, say);
    const stacks = await workspace.listStacks();
    const names = stacks.map((summary) => summary.name);
    return {
        directory,
        fileBackendRoot: backendRoot,
        workspace,
        stacks,
        async choose(selector) {
            // Only the default asks the CLI which stack is selected.
            const selected = selector.kind === "selected" && names.length > 0 ? (await workspace.stack())?.name : undefined;
            return selectStacks(selector, names, selected);
        },
        async open(chosen) {
            const opened: Stack[] = [];
            for (const name of chosen) opened.push(await Stack.select(name, workspace));
            return opened;
        },
    };
}
