// One check's outcome, as the report shows it, and the small functions the checks share.

import type { SkippedEnvironment } from "../lib/environment-plan";
import { isAccessError, messageOf } from "../providers";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
    /** Stable, for machines: "sign-in", "graph-permission:User.Read.All", "dataverse:<environment id>", … */
    readonly id: string;
    readonly title: string;
    readonly status: CheckStatus;
    /** What was found. */
    readonly detail: string;
    /** What fails in a run while this is not fixed. */
    readonly breaks?: string;
    /** What to do, in the words of the portal or the command to run. */
    readonly fix?: string;
    /**
     * The environments check: each environment a run would leave out, with its reason code and
     * sentence, in the shape of the stack output skippedEnvironments (the JSON report carries it).
     */
    readonly skippedEnvironments?: readonly SkippedEnvironment[];
}

/** The outcome of one read: its value, or the error it ended with. */
export type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export async function attempt<T>(read: () => Promise<T>): Promise<Attempt<T>> {
    try {
        return { ok: true, value: await read() };
    } catch (error) {
        return { ok: false, error };
    }
}

/** An error's message without its "Fix: …" sentence, and the fix on its own (the clients' errors carry both). */
export function explainError(error: unknown): { detail: string; fix?: string } {
    const message = messageOf(error);
    if (isAccessError(error) && error.fix) {
        const at = message.lastIndexOf(" Fix: ");
        return { detail: at >= 0 ? message.slice(0, at) : message, fix: error.fix };
    }
    return { detail: message };
}

/** True when a service refused the operator (HTTP 403). */
export function isRefusal(error: unknown): boolean {
    return isAccessError(error) && error.status === 403;
}

/** Whether any check failed: the doctor's exit status. */
export function anyFailed(checks: readonly CheckResult[]): boolean {
    return checks.some((check) => check.status === "fail");
}
