// A stack's configuration, read through Pulumi's Automation API with the pinned CLI:
// `getAllConfig` decrypts secrets with each stack's own secrets provider (passphrase,
// Azure Key Vault, Pulumi Cloud), exactly as `pulumi up` would hand them to the program.
// (Which stacks: cli/stacks.ts and cli/project.ts, as for every command.)

import { LocalWorkspace } from "@pulumi/pulumi/automation";

/** The stack's configuration, full keys to values, secrets decrypted (kept in memory only). */
export async function readStackConfig(workspace: LocalWorkspace, stack: string): Promise<Record<string, string>> {
    const all = await workspace.getAllConfig(stack);
    return Object.fromEntries(Object.entries(all).map(([key, entry]) => [key, entry.value]));
}
