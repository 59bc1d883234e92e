// The fleet's view of this project: the project as every command opens it
// (cli/project.ts: its workspace and stacks), its backend's lock files and update
// history where they can be read (a local file backend), and its policy pack.

import * as path from "path";

import { shortName } from "../cli";
import { removeFiles, unreadableHistoryFiles } from "../cli/backend-files";
import { OpenOptions, openProject, Project } from "../cli/project";
import { readFileBackendLocks, StackLock } from "./stack-health";

export const PROJECT_DIRECTORY = path.resolve(__dirname, "..");
/** The CrossGuard pack preview, up and recover run unless --no-policy-pack. */
export const POLICY_PACK_DIRECTORY = path.join(PROJECT_DIRECTORY, "policy");

export interface FleetProject extends Project {
    /** A stack's lock files in a local file backend; none elsewhere (there the CLI names them when it refuses an update). */
    readLocks(stack: string): Promise<StackLock[]>;
    /** Removes the unreadable metadata files of a stack's update history in a local file backend (cli/backend-files.ts); how many. */
    repairHistory(stack: string): Promise<number>;
}

/** This project (the one the fleet command belongs to, wherever it is run from). */
export async function openFleetProject(say: (line: string) => void, options?: OpenOptions): Promise<FleetProject> {
    const project = await openProject(PROJECT_DIRECTORY, say, options);
    const settings = await project.workspace.projectSettings();
    const backendRoot = project.fileBackendRoot;
    return {
        ...project,
        readLocks: async (stack) => (backendRoot ? readFileBackendLocks(backendRoot, settings.name, shortName(stack)) : []),
        async repairHistory(stack) {
            if (!backendRoot) return 0;
            const damaged = await unreadableHistoryFiles(backendRoot, settings.name, shortName(stack));
            await removeFiles(damaged);
            return damaged.length;
        },
    };
}
