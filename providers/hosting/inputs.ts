// The inputs of our providers, checked and compared the same way by every resource:
// GUIDs and environment ids in check(), the inputs a diff() looks at, and what an
// update keeps. Unknown values (a preview's) pass every check; they are checked again
// once known.

import { GUID_PATTERN, isEnvironmentId, normalizeEnvironmentId } from "../transport/ids";

/** The value Pulumi passes for inputs not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

/** Checks a required GUID input; unknown values pass (they are checked again when known). */
export function checkGuid(inputs: Record<string, unknown>, property: string, failures: CheckFailure[], example: string): string | undefined {
    const value = inputs[property];
    if (value === UNKNOWN) return value;
    if (typeof value !== "string" || !GUID_PATTERN.test(value.trim())) {
        failures.push({ property, reason: `${property} must be ${example} (a GUID); got ${JSON.stringify(value ?? null)}.` });
        return undefined;
    }
    return value.trim().toLowerCase();
}

export function checkEnvironmentId(inputs: Record<string, unknown>, failures: CheckFailure[]): string | undefined {
    const value = inputs.environmentId;
    if (value === UNKNOWN) return value;
    if (typeof value !== "string" || !isEnvironmentId(value.trim())) {
        failures.push({
            property: "environmentId",
            reason: `environmentId must be a Power Platform environment id (a GUID, or Default-<tenant id>); got ${JSON.stringify(value ?? null)}.`,
        });
        return undefined;
    }
    return normalizeEnvironmentId(value.trim());
}

/** Names of the inputs among `properties` whose new value differs from the old one (or is not known yet). */
export function changedProperties(olds: Record<string, unknown>, news: Record<string, unknown>, properties: readonly string[]): string[] {
    return properties.filter((property) => {
        const next = news[property];
        if (next === UNKNOWN) return true;
        const previous = olds[property];
        const same = typeof previous === "string" && typeof next === "string" ? previous.toLowerCase() === next.toLowerCase() : previous === next;
        return !same;
    });
}

/** Drops undefined values: they cannot cross the engine's protobuf boundary. */
export function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/**
 * The outputs an update keeps when nothing in the tenant needs to change: the old
 * ones, without the stored provider (the host stores the new one).
 */
export function keptOutputs(olds: Record<string, unknown>): Record<string, unknown> {
    const { __provider: _stored, ...outputs } = olds;
    return outputs;
}
