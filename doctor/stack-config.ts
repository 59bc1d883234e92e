// The stacks to check and their configuration, read through Pulumi's Automation API
// with the pinned CLI: `getAllConfig` decrypts secrets with each stack's own secrets
// provider (passphrase, Azure Key Vault, Pulumi Cloud), exactly as `pulumi up` would
// hand them to the program.

import { existsSync } from "fs";
import * as path from "path";

import { LocalWorkspace } from "@pulumi/pulumi/automation";

import { openProjectWorkspace } from "../workspace/project-workspace";

export class StackSelectionError extends Error {}

/** The project in `directory` (where Pulumi.yaml is), driven by the pinned CLI. */
export async function openProject(directory: string, say: (line: string) => void): Promise<LocalWorkspace> {
    if (!existsSync(path.join(directory, "Pulumi.yaml"))) {
        throw new StackSelectionError(`${directory} has no Pulumi.yaml; run the doctor from the project directory (npm run doctor).`);
    }
    return openProjectWorkspace(directory, say);
}

/** --stack S, --all, or the selected stack. */
export async function stacksToCheck(workspace: LocalWorkspace, choice: { stack?: string; all: boolean }): Promise<string[]> {
    const known = (await workspace.listStacks()).map((summary) => summary.name);
    if (choice.all) {
        if (known.length === 0) throw new StackSelectionError("--all: the project has no stacks yet; create one with `npx pulumi stack init <tenant>`.");
        return known;
    }
    if (choice.stack) {
        // Stack names may be qualified (org/project/stack); compare the last part too.
        const found = known.find((name) => name === choice.stack || name.split("/").pop() === choice.stack);
        if (!found) {
            throw new StackSelectionError(`--stack ${choice.stack}: no such stack; expected one of ${known.join(", ") || "(none yet)"}.`);
        }
        return [found];
    }
    const selected = await workspace.stack();
    if (!selected) {
        throw new StackSelectionError(`No stack is selected; pass --stack <name> (one of ${known.join(", ") || "none yet"}) or --all.`);
    }
    return [selected.name];
}

/** The stack's configuration, full keys to values, secrets decrypted (kept in memory only). */
export async function readStackConfig(workspace: LocalWorkspace, stack: string): Promise<Record<string, string>> {
    const all = await workspace.getAllConfig(stack);
    return Object.fromEntries(Object.entries(all).map(([key, entry]) => [key, entry.value]));
}
