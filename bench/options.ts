// The benchmarks' options are whole numbers (at least some minimum) or lists of them,
// declared and read as every command's are (cli/); a bad one is a usage error naming
// the option and the value.

import { wholeNumber } from "../cli";

/** `raw` as a whole number of at least `min`; `fallback` when the option was not given. */
export function count(flag: string, raw: string | undefined, min: number, fallback: number): number {
    return raw === undefined ? fallback : wholeNumber(flag, raw, min);
}

/** A list option's values as whole numbers of at least `min`; `fallback` when the option was not given. */
export function counts(flag: string, raw: readonly string[], min: number, fallback: readonly number[]): number[] {
    return raw.length === 0 ? [...fallback] : raw.map((value) => wholeNumber(flag, value, min));
}
