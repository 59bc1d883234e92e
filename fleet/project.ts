// The fleet's view of this project: its Automation API workspace
// (workspace/project-workspace.ts), its stacks, its backend's lock files where
// they can be read (a local file backend) and its policy pack.

import { LocalWorkspace, Stack, StackSummary } from "@pulumi/pulumi/automation";
import * as path from "path";

import { openProjectWorkspace } from "../workspace/project-workspace";
import { shortName } from "./selection";
import { fileBackendRoot, readFileBackendLocks, StackLock } from "./stack-health";

export const PROJECT_DIRECTORY = path.resolve(__dirname, "..");
/** The CrossGuard pack preview, up and recover run unless --no-policy-pack. */
export const POLICY_PACK_DIRECTORY = path.join(PROJECT_DIRECTORY, "policy");

export interface FleetProject {
    readonly workspace: LocalWorkspace;
    /** Every stack of the project in the backend. */
    readonly stacks: readonly StackSummary[];
    /** Selects the stacks one after the other (`pulumi stack select` writes one workspace file), then each runs on its own. */
    open(names: readonly string[]): Promise<Stack[]>;
    /** A stack's lock files in a local file backend; none elsewhere (there the CLI names them when it refuses an update). */
    readLocks(stack: string): Promise<StackLock[]>;
}

export async function openProject(say: (line: string) => void): Promise<FleetProject> {
    const workspace = await openProjectWorkspace(PROJECT_DIRECTORY, say);
    const [stacks, whoAmI, settings] = await Promise.all([workspace.listStacks(), workspace.whoAmI(), workspace.projectSettings()]);
    const backendRoot = fileBackendRoot(whoAmI.url);
    return {
        workspace,
        stacks,
        async open(names) {
            const opened: Stack[] = [];
            for (const name of names) opened.push(await Stack.select(name, workspace));
            return opened;
        },
        readLocks: async (stack) => (backendRoot ? readFileBackendLocks(backendRoot, settings.name, shortName(stack)) : []),
    };
}
