// The fleet's view of this project: its Automation API workspace
// (scripts/toolchain/project-workspace.ts) and its stacks.

import { LocalWorkspace, Stack, StackSummary } from "@pulumi/pulumi/automation";
import * as path from "path";

import { openProjectWorkspace } from "../scripts/toolchain/project-workspace";

export const PROJECT_DIRECTORY = path.resolve(__dirname, "..");

export interface FleetProject {
    readonly workspace: LocalWorkspace;
    /** Every stack of the project in the backend. */
    readonly stacks: readonly StackSummary[];
    /** Selects the stacks one after the other (`pulumi stack select` writes one workspace file), then each runs on its own. */
    open(names: readonly string[]): Promise<Stack[]>;
}

export async function openProject(say: (line: string) => void): Promise<FleetProject> {
    const workspace = await openProjectWorkspace(PROJECT_DIRECTORY, say);
    const stacks = await workspace.listStacks();
    return {
        workspace,
        stacks,
        async open(names) {
            const opened: Stack[] = [];
            for (const name of names) opened.push(await Stack.select(name, workspace));
            return opened;
        },
    };
}
