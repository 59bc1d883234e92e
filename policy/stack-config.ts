// The stack configuration as the policy pack sees it. The CLI sends it to the pack
// (the analyzer's ConfigureStack: every value, decrypted); Pulumi's Node.js language
// host starts the pack with it in PULUMI_CONFIG, the variable @pulumi/pulumi reads, but
// does not say which keys are secret (see rules/config-secrets.ts). @pulumi/policy
// itself offers no stack configuration, so the pack reads it here.

import { NAMESPACE } from "./facts";

export interface StackConfig {
    /** Full keys ("d365-backup-access:stage") to values as text, secrets decrypted; undefined when the CLI sent none. */
    readonly values: Readonly<Record<string, string>> | undefined;
    /** The stack's name, for messages ("Pulumi.<stack>.yaml"). */
    readonly stack: string | undefined;
}

export const STAGE_KEY = `${NAMESPACE}:stage`;
export const SERVICE_ACCOUNT_KEY = `${NAMESPACE}:serviceAccount`;
export const ENVIRONMENTS_KEY = `${NAMESPACE}:environments`;
export const ELEVATION_HOURS_KEY = `${NAMESPACE}:elevationHours`;

/** Pulumi writes keys as "<namespace>:config:<name>" for older runtimes; both spellings mean "<namespace>:<name>". */
function cleanKey(key: string): string {
    const parts = key.split(":");
    return parts.length === 3 && parts[1] === "config" ? `${parts[0]}:${parts[2]}` : key;
}

function parseJson(text: string | undefined, variable: string): unknown {
    if (text === undefined || text.trim() === "") return undefined;
    try {
        return JSON.parse(text);
    } catch {
        throw new Error(`${variable} is not JSON; the policy pack cannot read the stack configuration.`);
    }
}

/** Reads the stack configuration from the environment the language host started the pack with. */
export function readStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
    const raw = parseJson(env.PULUMI_CONFIG, "PULUMI_CONFIG");
    let values: Record<string, string> | undefined;
    if (raw && typeof raw === "object") {
        values = {};
        for (const [key, value] of Object.entries(raw)) {
            values[cleanKey(key)] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { values, stack: env.PULUMI_NODEJS_STACK || undefined };
}

/** One value; blank counts as unset, as in the program. */
export function configValue(config: StackConfig, key: string): string | undefined {
    const value = config.values?.[key];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The file a stack's configuration lives in, for fixes. */
export function stackFile(config: StackConfig): string {
    return `Pulumi.${config.stack ?? "<stack>"}.yaml`;
}

/** Why a rule that needs the configuration cannot check anything: said in the violation, so it fails closed. */
export function configurationUnavailable(key: string): string {
    return (
        `the policy pack cannot see ${key}: the Pulumi CLI passed it no stack configuration. ` +
        `Fix: run the pack with \`pulumi preview --policy-pack <dir>\` from the project (the Node.js language host passes the configuration to the pack).`
    );
}
