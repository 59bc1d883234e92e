// One stack's settings as its program run would see them: the stack configuration
// (decrypted by the CLI, as the program receives it) checked by the program's own
// parsers, so the fleet reads a tenant with exactly the identity, endpoints and
// environments its updates use.

import type { ConfigMap } from "@pulumi/pulumi/automation";

import { NAMESPACE } from "../lib/config";
import { readStackSettings, StackSettings } from "../lib/stack-settings";
import { EnvironmentVariables } from "../providers";

export type { StackSettings };

/** Full keys ("azuread:clientId") to their values; secrets arrive decrypted from `pulumi config --show-secrets`. */
export function configValues(config: ConfigMap): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([key, entry]) => [key, entry.value]));
}

/** Throws the program's ConfigError, listing every problem, when the stack is not configured right. */
export function stackSettings(config: ConfigMap, env: EnvironmentVariables): StackSettings {
    return readStackSettings(configValues(config), env);
}

/** The stage a stack is configured for, without checking the rest (a stack may be half set up). */
export function configuredStage(config: ConfigMap): string | undefined {
    return config[`${NAMESPACE}:stage`]?.value;
}
