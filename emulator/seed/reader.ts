// Reading an untyped document (a seed, a fault posted at run time): each reader checks
// one value's shape and, when it is wrong, records a problem naming the field, the value
// found and what is expected, then goes on with a fallback, so that one run shows every
// problem.
import { isGuid } from "../ids";

export type Obj = Record<string, unknown>;

function show(value: unknown): string {
    if (value === undefined) return "missing";
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Collects problems while reading an untyped document. */
export class Reader {
    readonly problems: string[] = [];

    problem(path: string, value: unknown, expected: string): void {
        this.problems.push(`${path}: ${show(value)} — expected ${expected}`);
    }

    object(path: string, value: unknown, keys: readonly string[]): Obj | undefined {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.problem(path, value, "an object");
            return undefined;
        }
        for (const key of Object.keys(value)) {
            if (!keys.includes(key)) this.problems.push(`${path}.${key}: unknown field — the known fields are ${keys.join(", ")}`);
        }
        return value as Obj;
    }

    array(path: string, value: unknown): unknown[] {
        if (value === undefined) return [];
        if (!Array.isArray(value)) {
            this.problem(path, value, "an array");
            return [];
        }
        return value;
    }

    /** Each item of the array at `path`, read by `readItem` with its own path (`path[i]`). */
    each<T>(path: string, value: unknown, readItem: (itemPath: string, item: unknown, index: number) => T): T[] {
        return this.array(path, value).map((item, i) => readItem(`${path}[${i}]`, item, i));
    }

    guid(path: string, value: unknown): string {
        if (!isGuid(value)) {
            this.problem(path, value, "a GUID (8-4-4-4-12 hexadecimal digits)");
            return "";
        }
        return value.toLowerCase();
    }

    optionalGuid(path: string, value: unknown): string | undefined {
        return value === undefined ? undefined : this.guid(path, value);
    }

    string(path: string, value: unknown, fallback?: string): string {
        if (value === undefined && fallback !== undefined) return fallback;
        if (typeof value !== "string" || value.trim() === "") {
            this.problem(path, value, "a non-empty string");
            return fallback ?? "";
        }
        return value;
    }

    boolean(path: string, value: unknown, fallback: boolean): boolean {
        if (value === undefined) return fallback;
        if (typeof value !== "boolean") {
            this.problem(path, value, "true or false");
            return fallback;
        }
        return value;
    }

    number(path: string, value: unknown, fallback: number | undefined, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
        if (value === undefined && fallback !== undefined) return fallback;
        const { min, max, integer } = opts;
        const bad =
            typeof value !== "number" ||
            !Number.isFinite(value) ||
            (integer && !Number.isInteger(value)) ||
            (min !== undefined && value < min) ||
            (max !== undefined && value > max);
        if (bad) {
            const range = [min !== undefined ? `>= ${min}` : "", max !== undefined ? `<= ${max}` : ""].filter(Boolean).join(" and ");
            this.problem(path, value, `${integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}`);
            return fallback ?? 0;
        }
        return value as number;
    }

    oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback?: T): T {
        if (value === undefined && fallback !== undefined) return fallback;
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.problem(path, value, `one of ${allowed.join(", ")}`);
            return fallback ?? allowed[0];
        }
        return value as T;
    }
}

/** An ISO 8601 date and time, normalised; null when absent or null. */
export function optionalDateTime(r: Reader, where: string, raw: unknown): string | null {
    if (raw === undefined || raw === null) return null;
    if (typeof raw !== "string" || Number.isNaN(Date.parse(raw))) {
        r.problem(where, raw, "an ISO 8601 date and time such as 2026-11-30T12:00:00Z, or null");
        return null;
    }
    return new Date(raw).toISOString();
}

/** `checkUnique` over one list: `${list}[i]${what}` names where item i's key is used. */
export function checkUniqueIn<T>(r: Reader, prefix: string, list: string, items: readonly T[], what: string, key: (item: T) => string): void {
    checkUnique(
        r,
        prefix,
        items.map((item, i) => [`${list}[${i}]${what}`, key(item)] as const),
    );
}

/** Each key once: a repeat is a problem naming where the key was first used. */
export function checkUnique(r: Reader, prefix: string, entries: ReadonlyArray<readonly [string, string]>): void {
    const seen = new Map<string, string>();
    for (const [where, key] of entries) {
        if (!key) continue;
        const first = seen.get(key);
        if (first) r.problem(`${prefix}.${where}`, key, `a value not already used by ${prefix}.${first}`);
        else seen.set(key, where);
    }
}
