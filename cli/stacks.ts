// Which stacks (one per tenant) a command works on, the same in every command:
// `--stacks` with names or patterns separated by commas, where * and ? match like a
// shell's, or `--all`. A name that matches no stack is a usage error that lists the
// stacks there are, so a typo never silently shrinks the set of tenants.

import { OptionSpec, UsageError } from "./command";

/** The options every command that works on stacks declares (spread into its options). */
export const STACK_OPTIONS = {
    stacks: {
        type: "string",
        list: true,
        value: "NAME[,NAME…]",
        help: "these stacks; * and ? match any text and any one character (quote them: 'fabrikam-*')",
    },
    all: { type: "boolean", help: "every stack of this project in the backend" },
} as const satisfies Record<string, OptionSpec>;

export type StackSelector =
    | { readonly kind: "all" }
    | { readonly kind: "listed"; readonly names: readonly string[] }
    /** Neither option given, where the command then works on the stack `pulumi stack select` chose. */
    | { readonly kind: "selected" };

/**
 * The selector the options give. Without either option: the selected stack when the
 * command allows it (`otherwise: "selected"`), else a usage error.
 */
export function stackSelector(values: { readonly stacks: readonly string[]; readonly all: boolean }, otherwise: "selected" | "required"): StackSelector {
    if (values.all && values.stacks.length > 0) throw new UsageError("--all and --stacks exclude each other; give one.");
    if (values.all) return { kind: "all" };
    if (values.stacks.length > 0) return { kind: "listed", names: values.stacks };
    if (otherwise === "required") throw new UsageError("no stacks chosen; give --all or --stacks NAME[,NAME…].");
    return { kind: "selected" };
}

/** A stack's short name: the diy and Pulumi Cloud backends may qualify it as org/project/stack. */
export function shortName(stack: string): string {
    return stack.split("/").pop()!;
}

function pattern(name: string): RegExp {
    const source = name
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`);
}

function matches(name: string, stack: string): boolean {
    return pattern(name).test(shortName(stack)) || stack === name;
}

/** No stack at all: what to do about it. */
export const NO_STACKS =
    "this project has no stacks in the backend; create one per tenant first (`npx pulumi stack init <tenant>`), and check PULUMI_BACKEND_URL.";

/**
 * The stacks chosen, in the backend's order, each once; `selected` is the stack
 * `pulumi stack select` chose (for the "selected" selector). Throws a UsageError naming
 * what matched nothing.
 */
export function selectStacks(selector: StackSelector, existing: readonly string[], selected?: string): string[] {
    if (existing.length === 0) throw new UsageError(NO_STACKS);
    if (selector.kind === "all") return [...existing];
    if (selector.kind === "selected") {
        if (!selected) throw new UsageError(`no stack is selected; give --stacks NAME (one of ${existing.map(shortName).join(", ")}) or --all.`);
        return [selected];
    }
    const unmatched = selector.names.filter((name) => !existing.some((stack) => matches(name, stack)));
    if (unmatched.length > 0) {
        throw new UsageError(
            `--stacks: ${unmatched.map((name) => JSON.stringify(name)).join(", ")} ${unmatched.length === 1 ? "matches" : "match"} no stack; ` +
                `the stacks are: ${existing.map(shortName).join(", ")}.`,
        );
    }
    return existing.filter((stack) => selector.names.some((name) => matches(name, stack)));
}
