// Reading one value: from stack configuration (full keys, a plain map or anything
// with get(key)) or, failing that, from its environment variables. A configured key
// beats its variable; blank counts as unset. Text, booleans (true/false or 1/0, any
// case; anything else is a problem, never a silent false), seconds and counts are
// checked as they are read, and every problem is collected, naming the key or variable,
// the value (never a secret's) and what is expected.

import { parseBoolean } from "../booleans";
import { CONFIG_KEYS, SECRET_CONFIG_KEYS } from "./keys";
import { ConfigSource, EnvironmentVariables } from "./types";

/** Reads one key; blank strings count as unset. */
export function lookUp(config: ConfigSource, key: string): unknown {
    const getter = (config as { get?: unknown }).get;
    const value = typeof getter === "function" ? (getter as (k: string) => unknown).call(config, key) : (config as Readonly<Record<string, unknown>>)[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string" && value.trim() === "") return undefined;
    return value;
}

/** Copies exactly the keys the clients read, e.g. from the Config a dynamic provider's configure() receives. */
export function pickClientConfig(config: ConfigSource): Record<string, unknown> {
    const picked: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const value = lookUp(config, key);
        if (value !== undefined) picked[key] = value;
    }
    return picked;
}

export interface Reader {
    /** A key's value, or its environment variable's (key undefined: a variable only); `secret` keeps the value out of messages. */
    text(key: string | undefined, variables?: readonly string[], secret?: boolean): string | undefined;
    /** A boolean key or variable (key undefined: a variable only). */
    flag(key: string | undefined, variables: readonly string[], fallback: boolean): boolean;
    seconds(key: string, fallback: number, max: number): number;
    count(key: string, fallback: number, max: number): number;
    problems: string[];
}

export function sourceName(key: string, variables: readonly string[] = []): string {
    return variables.length ? `${key} (or ${variables.join(" / ")})` : key;
}

export function createReader(config: ConfigSource, env: EnvironmentVariables): Reader {
    const problems: string[] = [];

    function raw(key: string | undefined, variables: readonly string[]): { value: unknown; from: string } | undefined {
        const configured = key === undefined ? undefined : lookUp(config, key);
        if (configured !== undefined) return { value: configured, from: key! };
        for (const variable of variables) {
            const value = env[variable];
            if (value !== undefined && value.trim() !== "") return { value, from: variable };
        }
        return undefined;
    }

    return {
        problems,
        text(key, variables = [], secret = key !== undefined && SECRET_CONFIG_KEYS.includes(key)) {
            const found = raw(key, variables);
            if (!found) return undefined;
            if (typeof found.value !== "string") {
                const shown = secret ? "a non-text value" : JSON.stringify(found.value);
                problems.push(`${found.from}: ${shown} is not text; expected a string.`);
                return undefined;
            }
            return found.value.trim();
        },
        flag(key, variables, fallback) {
            const found = raw(key, variables);
            if (!found) return fallback;
            const value = parseBoolean(found.value);
            if (value !== undefined) return value;
            problems.push(`${found.from}: ${JSON.stringify(found.value)} is not a boolean; expected true or false (or 1 or 0).`);
            return fallback;
        },
        seconds(key, fallback, max) {
            const found = raw(key, []);
            if (!found) return fallback;
            const value = typeof found.value === "number" ? found.value : Number(String(found.value).trim());
            if (!Number.isFinite(value) || value <= 0 || value > max) {
                problems.push(`${key}: ${JSON.stringify(found.value)} is not a number of seconds; expected a number above 0 and at most ${max}.`);
                return fallback;
            }
            return value;
        },
        count(key, fallback, max) {
            const found = raw(key, []);
            if (!found) return fallback;
            const value = typeof found.value === "number" ? found.value : Number(String(found.value).trim());
            if (!Number.isInteger(value) || value < 1 || value > max) {
                problems.push(`${key}: ${JSON.stringify(found.value)} is not a whole number from 1 to ${max}.`);
                return fallback;
            }
            return value;
        },
    };
}
