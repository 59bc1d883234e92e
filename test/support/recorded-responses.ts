// The recorded responses of the real services (test/emulator/fixtures/, see its README)
// and the comparison the emulator's shape tests make against them: every recorded field
// is in the emulator's answer, with the same JSON type.
import { readFileSync } from "fs";
import * as path from "path";

const FIXTURES = path.join(__dirname, "..", "emulator", "fixtures");

/** A recorded response body, by file name. */
export function recorded(name: string): any {
    return JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
}

function kind(value: unknown): string {
    return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/**
 * Every field of `recorded` exists in `actual` with the same JSON type (a null on
 * either side matches anything), recursively; arrays compare their first items.
 */
export function missingFields(recorded: unknown, actual: unknown, where: string, omitted: readonly string[] = []): string[] {
    if (omitted.includes(where)) return [];
    if (recorded === null || actual === null) return [];
    if (kind(recorded) !== kind(actual)) return [`${where}: recorded ${kind(recorded)}, emulator ${kind(actual)}`];
    if (Array.isArray(recorded)) {
        return recorded.length > 0 && (actual as unknown[]).length > 0 ? missingFields(recorded[0], (actual as unknown[])[0], `${where}[0]`, omitted) : [];
    }
    if (kind(recorded) !== "object") return [];
    const a = actual as Record<string, unknown>;
    return Object.entries(recorded as Record<string, unknown>).flatMap(([key, value]) =>
        omitted.includes(`${where}.${key}`) ? [] : key in a ? missingFields(value, a[key], `${where}.${key}`, omitted) : [`${where}.${key}: missing`],
    );
}
