// Which of the operator's credentials the stack holds in plain text (set without
// --secret). The program knows which configuration keys are secret (the language host
// tells every program); a policy pack is not told (Pulumi's Node.js host passes packs
// the values only), so the program records what it saw on its component, where the
// pack's no-secret-in-plain-config rule reads it before any resource changes.

import { SECRET_CONFIG_KEYS } from "../providers";

/** The credential keys that are set but not secret, in SECRET_CONFIG_KEYS order. */
export function plainTextCredentialKeys(config: Readonly<Record<string, string>>, isSecret: (key: string) => boolean): string[] {
    return SECRET_CONFIG_KEYS.filter((key) => (config[key] ?? "").trim() !== "" && !isSecret(key));
}

/**
 * Whether the running program's configuration value is secret, as @pulumi/pulumi's
 * runtime knows it (PULUMI_CONFIG_SECRET_KEYS, or the secret keys given to
 * setAllConfig under mocks). Internal to the SDK but exported at run time; when a
 * version lacks it, every key counts as plain so the policy pack refuses rather than passes.
 */
export function runtimeConfigIsSecret(): (key: string) => boolean {
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
    return typeof runtimeConfig.isConfigSecret === "function" ? runtimeConfig.isConfigSecret : () => false;
}
