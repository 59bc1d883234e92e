// The benchmarks' command lines: every option is a whole number (at least some
// minimum), a comma-separated list of them, or a switch. Anything else ends the run
// with the option, the value and the usage line.

export type OptionKind = { readonly count: number } | { readonly counts: number } | "switch";

/** Reads `argv` into a copy of `defaults`; `flags` maps each --flag to the key it sets and its kind. */
export function parseOptions<T extends object>(argv: readonly string[], defaults: T, flags: Readonly<Record<string, readonly [keyof T, OptionKind]>>, usage: string): T {
    const options = { ...defaults } as Record<string, unknown>;
    const count = (flag: string, value: string | undefined, min: number): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < min) throw new Error(`${flag} wants a whole number of at least ${min}; got ${JSON.stringify(value ?? "")}.\n${usage}`);
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const spec = flags[flag];
        if (!spec) throw new Error(`unknown option ${JSON.stringify(flag)}.\n${usage}`);
        const [key, kind] = spec;
        if (kind === "switch") options[key as string] = true;
        else if ("count" in kind) options[key as string] = count(flag, argv[++i], kind.count);
        else options[key as string] = (argv[++i] ?? "").split(",").map((value) => count(flag, value, kind.counts));
    }
    return options as T;
}
