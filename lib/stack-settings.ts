// A stack's configuration (full keys, as `pulumi config` and the program's runtime hold
// it) turned into the program's settings, checked exactly as `pulumi up` checks them: the
// program's keys and the Power Platform clients' keys in one pass. The program, the
// doctor and the fleet all read stacks through this.

import { ClientSettings, EnvironmentVariables, readClientSettings } from "../providers";
import { NAMESPACE, parseConfig, ProgramConfig } from "./config";

export interface StackSettings {
    readonly config: ProgramConfig;
    readonly clientSettings: ClientSettings;
}

/** Throws the program's ConfigError, listing every problem, when the stack is not configured right. */
export function readStackSettings(values: Readonly<Record<string, string>>, env: EnvironmentVariables): StackSettings {
    const client = readClientSettings(values, env);
    // parseConfig throws on any problem, the clients' included: past it the settings are sound.
    return { config: parseConfig((key) => values[`${NAMESPACE}:${key}`], client.problems), clientSettings: client.settings };
}
