// Which stacks a fleet command works on: every stack of the project, or the names
// listed, where * and ? match like a shell's. A name that matches no stack is an error
// that lists the stacks there are, so a typo never silently shrinks the fleet.

import { FleetUsageError, StackSelector } from "./options";

/** A stack's short name: the diy and Pulumi Cloud backends may qualify it as org/project/stack. */
export function shortName(stack: string): string {
    return stack.split("/").pop()!;
}

function pattern(name: string): RegExp {
    const source = name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${source}$`);
}

/** The stacks chosen, in the backend's order, each once; throws naming what matched nothing. */
export function selectStacks(selector: StackSelector, existing: readonly string[]): string[] {
    if (existing.length === 0) {
        throw new FleetUsageError("this project has no stacks in the backend; create one per tenant first (`npx pulumi stack init <tenant>`), and check PULUMI_BACKEND_URL.");
    }
    if (selector.kind === "all") return [...existing];
    const unmatched = selector.names.filter((name) => !existing.some((stack) => pattern(name).test(shortName(stack)) || stack === name));
    if (unmatched.length > 0) {
        throw new FleetUsageError(
            `--stacks: ${unmatched.map((name) => JSON.stringify(name)).join(", ")} ${unmatched.length === 1 ? "matches" : "match"} no stack; ` +
                `the stacks are: ${existing.map(shortName).join(", ")}.`,
        );
    }
    return existing.filter((stack) => selector.names.some((name) => pattern(name).test(shortName(stack)) || stack === name));
}
