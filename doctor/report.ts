// The doctor's report: text for a person (one line per check, what it breaks and the
// fix under each one that is not ok) or JSON for machines.

import { CheckResult, CheckStatus } from "./check-result";

export interface StackReport {
    readonly stack: string;
    /** One line about the stack: stage and account, when its configuration could be read. */
    readonly summary?: string;
    readonly checks: readonly CheckResult[];
}

const LABELS: Record<CheckStatus, string> = { ok: "ok  ", warn: "warn", fail: "FAIL", skip: "skip" };

export function counts(checks: readonly CheckResult[]): string {
    const count = (status: CheckStatus) => checks.filter((check) => check.status === status).length;
    const parts = [`${count("fail")} failed`, `${count("warn")} warning${count("warn") === 1 ? "" : "s"}`, `${count("ok")} ok`];
    if (count("skip")) parts.push(`${count("skip")} skipped`);
    return parts.join(", ");
}

export function renderText(reports: readonly StackReport[]): string {
    const lines: string[] = [];
    for (const report of reports) {
        lines.push(`Stack ${report.stack}${report.summary ? ` — ${report.summary}` : ""}`);
        for (const check of report.checks) {
            lines.push(`  ${LABELS[check.status]}  ${check.title}: ${check.detail}`);
            if (check.status === "ok" || check.status === "skip") continue;
            if (check.breaks) lines.push(`        breaks: ${check.breaks}`);
            if (check.fix) lines.push(`        fix:    ${check.fix}`);
        }
        lines.push(`  ${counts(report.checks)}`, "");
    }
    return lines.join("\n");
}

export function renderJson(reports: readonly StackReport[]): string {
    return JSON.stringify(
        {
            stacks: reports.map((report) => ({
                stack: report.stack,
                ok: !report.checks.some((check) => check.status === "fail"),
                summary: report.summary,
                checks: report.checks,
            })),
        },
        null,
        2,
    );
}
