// Property values as they cross the engine's gRPC boundary: secrets arrive wrapped in
// Pulumi's signature object (the stand-in tells the engine it accepts secrets, as the
// real provider does), unknowns arrive as a sentinel string during previews.

import * as rpc from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

export const UNKNOWN = rpc.unknownValue;

export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

function isSecret(value: unknown): value is { value?: unknown } {
    return rpc.isRpcSecret(value);
}

/** Removes every secret wrapper, however deep. */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecret(value)) return unwrapSecrets(rpc.unwrapRpcSecret(value));
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value as Props).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** The top-level keys whose values were secret, so outputs can stay secret. */
export function secretKeys(props: Props): Set<string> {
    return new Set(
        Object.entries(props)
            .filter(([, v]) => isSecret(v))
            .map(([k]) => k),
    );
}

export function wrapSecrets(props: Props, keys: ReadonlySet<string>): Props {
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, keys.has(k) ? { [rpc.specialSigKey]: rpc.specialSecretSig, value: v } : v]));
}

/** A string property: undefined when absent, null or empty (Terraform treats "" as unset). */
export function optionalString(props: Props, key: string): string | undefined {
    const value = props[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") throw new Error(`${key}: expected a string, got ${JSON.stringify(value)}`);
    return value;
}

export function requiredString(props: Props, key: string): string {
    const value = optionalString(props, key);
    if (value === undefined) throw new Error(`${key} is required`);
    return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

/** Terraform's validation.IsUUID, worded as the real provider words it; unknowns pass. */
export function uuidFailure(props: Props, key: string, required: boolean): CheckFailure | undefined {
    const value = props[key];
    if (isUnknown(value)) return undefined;
    if (value === undefined || value === null || value === "") {
        return required ? { property: key, reason: `Missing required argument. The argument "${key}" is required, but no definition was found.` } : undefined;
    }
    if (typeof value !== "string" || !UUID.test(value)) {
        return { property: key, reason: `expected "${key}" to be a valid UUID, got ${typeof value === "string" ? value : JSON.stringify(value)}` };
    }
    return undefined;
}

export interface DiffResult {
    readonly changed: string[];
    readonly replaces: string[];
}

/**
 * Diff of a resource whose every input forces replacement. As in the Terraform bridge,
 * an optional computed input the program leaves out is not a change (the provider
 * filled it in); an unknown new value is.
 */
export function replaceOnAnyChange(olds: Props, news: Props, keys: readonly string[]): DiffResult {
    const changed = keys.filter((key) => {
        const next = news[key];
        if (next === undefined || next === null || next === "") return false;
        if (isUnknown(next)) return true;
        return next !== olds[key];
    });
    return { changed, replaces: changed };
}
