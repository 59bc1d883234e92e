// This project as an Automation API workspace, driven by the pinned Pulumi CLI (the
// version of the npm package `pulumi` in package.json, under $PULUMI_HOME/versions or
// ~/.pulumi/versions; downloaded, or built from Go modules, only when missing). The
// backend and secrets are the user's own: PULUMI_BACKEND_URL or Pulumi.yaml's
// backend.url, PULUMI_CONFIG_PASSPHRASE or the stack's secrets provider. The doctor and
// the fleet open the project through this.

import { existsSync } from "fs";
import * as path from "path";

import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

import { ensurePinnedCli, pinnedCliVersion, toolchainHome } from "./pulumi-home";

export async function openProjectWorkspace(directory: string, say: (line: string) => void): Promise<LocalWorkspace> {
    const root = path.join(toolchainHome(), "versions", await pinnedCliVersion());
    // Only a missing CLI is worth a word (it is then downloaded, or built from Go modules).
    if (!existsSync(path.join(root, "bin", "pulumi"))) await ensurePinnedCli(say);
    const pulumiCommand = await PulumiCommand.get({ root, skipVersionCheck: true });
    // PULUMI_SKIP_CONFIRMATIONS from a user's environment would add --yes to every command,
    // and the CLI refuses --yes with the drift check's `refresh --preview-only`; the
    // Automation API passes --yes itself where a command writes.
    return LocalWorkspace.create({ workDir: directory, pulumiCommand, envVars: { PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_SKIP_CONFIRMATIONS: "false" } });
}
