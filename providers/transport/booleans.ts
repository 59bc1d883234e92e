// The one reading of a boolean setting, for configuration keys and environment
// variables alike: true/false or 1/0 in any case (and real booleans from typed stack
// configuration). Anything else is not a boolean, so callers report it instead of
// taking "yes" or "on" for false.

export function parseBoolean(value: unknown): boolean | undefined {
    if (typeof value === "boolean") return value;
    if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
    if (typeof value !== "string") return undefined;
    const text = value.trim().toLowerCase();
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    return undefined;
}
