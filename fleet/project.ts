// This project as an Automation API workspace, driven by the pinned Pulumi CLI (the
// version of the npm package `pulumi` in package.json, installed under
// $PULUMI_HOME/versions or ~/.pulumi/versions, downloaded or built when missing).
// The backend and secrets are the user's own: PULUMI_BACKEND_URL or Pulumi.yaml's
// backend.url, PULUMI_CONFIG_PASSPHRASE or the stack's secrets provider.

import { LocalWorkspace, PulumiCommand, Stack, StackSummary } from "@pulumi/pulumi/automation";
import * as path from "path";

import { ensurePinnedCli, pinnedCliVersion, toolchainHome } from "../scripts/toolchain/pulumi-home";

export const PROJECT_DIRECTORY = path.resolve(__dirname, "..");

export interface FleetProject {
    readonly workspace: LocalWorkspace;
    /** Every stack of the project in the backend. */
    readonly stacks: readonly StackSummary[];
    /** Selects the stacks one after the other (`pulumi stack select` writes one workspace file), then each runs on its own. */
    open(names: readonly string[]): Promise<Stack[]>;
}

export async function openProject(say: (line: string) => void): Promise<FleetProject> {
    await ensurePinnedCli(say);
    const root = path.join(toolchainHome(), "versions", await pinnedCliVersion());
    const pulumiCommand = await PulumiCommand.get({ root });
    const workspace = await LocalWorkspace.create({
        workDir: PROJECT_DIRECTORY,
        pulumiCommand,
        envVars: { PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
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
