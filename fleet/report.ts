// The fleet's result: one row per tenant, as a table for people (laid out by the
// commands' one table writer, cli/table.ts) and as JSON for machines. Pure, so the
// layout is tested without tenants.

import type { DirectoryRole } from "../lib/directory-roles";
import { describeSkipped } from "../lib/environment-plan";
import { environmentOfResource, EnvironmentNotConverged, ResourceFailed } from "./convergence";
import type { Command } from "./options";
import type { TenantStatus } from "./tenant-status";

export interface TenantReport {
    readonly stack: string;
    /** The stage the stack is configured for (after --stage); null when unset or unreadable. */
    readonly stage: string | null;
    /** The stage before --stage changed it, when it did. */
    readonly previousStage?: string | null;
    readonly result: "ok" | "failed";
    /** Why the tenant failed, in a line; the tenant's log has the whole story. */
    readonly error?: string;
    /** Its first run was throttled (fleet/throttling.ts): this is a second, run alone after the others. */
    readonly retriedAfterThrottling?: boolean;
    readonly durationSeconds: number;
    /** What the tenant itself says; null when it could not be read. */
    readonly tenant: TenantStatus | null;
    /** status: what a refresh would change (resource names); null when not checked. */
    readonly drift?: readonly string[] | null;
    /** status: when the stack was last updated (ISO 8601); null when never. */
    readonly lastUpdate?: string | null;
    /** status: how that update ended: succeeded, failed, … */
    readonly lastUpdateResult?: string | null;
    /** recover: what it did before the update (lock removed, pending operations cleared). */
    readonly recovery?: readonly string[] | null;
    /** preview, up and recover: resource operations other than "same", by kind. */
    readonly changes?: Readonly<Record<string, number>> | null;
    /** up and recover, once the update ran: each environment it left unconverged, and why ([] when it succeeded). */
    readonly notConverged?: readonly EnvironmentNotConverged[];
    /** With notConverged: the failed resources that belong to no one environment (a directory role, a group membership). */
    readonly failedResources?: readonly ResourceFailed[];
    readonly logFile: string;
}

export interface FleetReport {
    readonly command: Command;
    readonly concurrency: number;
    readonly durationSeconds: number;
    readonly tenants: readonly TenantReport[];
    readonly failed: readonly string[];
}

/**
 * "Global Administrator (until 2026-12-01 14:00 UTC)": the end of a time-bound assignment
 * where there is one; then Global Administrator held through a group or eligible in PIM,
 * marked as not managed by the program (no stage grants or removes it).
 */
export function formatRoles(status: TenantStatus | null): string {
    if (!status) return "?";
    const roles = status.directoryRoles.map((role) => (role.endDateTime ? `${role.name} (until ${formatTime(role.endDateTime)})` : role.name));
    const unmanaged = formatUnmanagedGlobalAdministrator(status);
    if (roles.length === 0 && unmanaged.length === 0) return "none";
    return [...roles, ...unmanaged].join(", ");
}

const NOT_MANAGED = "not managed by this program";

/** Global Administrator through a role-assignable group or eligible in PIM, one entry each. */
export function formatUnmanagedGlobalAdministrator(status: TenantStatus): string[] {
    const unmanaged = status.unmanagedGlobalAdministrator;
    if (!unmanaged) return [];
    if (unmanaged.error) return ["Global Administrator through groups or PIM: not read"];
    return [
        ...unmanaged.throughGroups.map((group) => `Global Administrator through group ${group} (${NOT_MANAGED})`),
        ...unmanaged.eligible.map(
            (entry) =>
                `Global Administrator eligible in PIM${entry.throughGroup ? ` through group ${entry.throughGroup}` : ""}` +
                `${entry.endDateTime ? ` until ${formatTime(entry.endDateTime)}` : ""} (${NOT_MANAGED})`,
        ),
    ];
}

export function formatEnvironments(status: TenantStatus | null): string {
    if (!status) return "?";
    return `${status.environments.filter((environment) => environment.ok).length}/${status.environments.length}`;
}

/** "2 (teams, provisioning)": how many environments were left out, and their reason codes. */
export function formatSkipped(status: TenantStatus | null): string {
    if (!status) return "?";
    if (status.skipped.length === 0) return "none";
    const codes = [...new Set(status.skipped.map((entry) => entry.reasonCode))];
    return `${status.skipped.length} (${codes.join(", ")})`;
}

export function formatTime(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const SIGNS: Record<string, string> = {
    create: "+",
    update: "~",
    delete: "-",
    replace: "+-",
    import: "=",
    "create-replacement": "++",
    "delete-replaced": "--",
};

/** "+1 -1" from {create: 1, delete: 1}; "none" when nothing. */
export function formatChanges(changes: Readonly<Record<string, number>> | null | undefined): string {
    if (!changes) return "-";
    const parts = Object.entries(changes)
        .filter(([, count]) => count > 0)
        .map(([op, count]) => `${SIGNS[op] ?? `${op} `}${count}`);
    return parts.length ? parts.join(" ") : "none";
}

function formatDrift(drift: readonly string[] | null | undefined): string {
    if (drift === undefined || drift === null) return "?";
    return drift.length === 0 ? "none" : `${drift.length} (${drift.join(", ")})`;
}

/** "2026-11-30 18:28 UTC", with how it ended when it did not succeed. */
function formatLastUpdate(report: TenantReport): string {
    if (report.lastUpdate === null) return "never";
    if (report.lastUpdate === undefined) return "?";
    const ended = report.lastUpdateResult && report.lastUpdateResult !== "succeeded" ? ` (${report.lastUpdateResult})` : "";
    return `${formatTime(report.lastUpdate)}${ended}`;
}

function formatStage(report: TenantReport): string {
    const stage = report.stage ?? "?";
    return report.previousStage !== undefined && report.previousStage !== report.stage ? `${report.previousStage ?? "unset"} → ${stage}` : stage;
}

function formatResult(report: TenantReport): string {
    return report.result === "ok" ? "ok" : "FAILED";
}

export function tableRows(command: Command, tenants: readonly TenantReport[]): string[][] {
    // check reads no tenant: its reasons are the lines under "Failed".
    if (command === "check") {
        return [
            ["tenant", "stage", "result", "duration"],
            ...tenants.map((report) => [report.stack, formatStage(report), formatResult(report), `${report.durationSeconds.toFixed(1)} s`]),
        ];
    }
    const header =
        command === "status"
            ? ["tenant", "stage", "directory roles", "environments ok", "skipped", "drift", "last update", "result", "duration"]
            : command === "recover"
              ? ["tenant", "stage", "directory roles", "environments ok", "recovery", "changes", "result", "duration"]
              : ["tenant", "stage", "directory roles", "environments ok", "changes", "result", "duration"];
    const rows = tenants.map((report) => {
        const common = [report.stack, formatStage(report), formatRoles(report.tenant), formatEnvironments(report.tenant)];
        const specific =
            command === "status"
                ? [formatSkipped(report.tenant), formatDrift(report.drift), formatLastUpdate(report)]
                : command === "recover"
                  ? [report.recovery?.join(", ") ?? "-", formatChanges(report.changes)]
                  : [formatChanges(report.changes)];
        return [...common, ...specific, formatResult(report), `${report.durationSeconds.toFixed(1)} s`];
    });
    return [header, ...rows];
}

/** "user, read-write, System Administrator" or what is missing: what the tenant says of one environment. */
export function formatEnvironment(environment: TenantStatus["environments"][number]): string {
    if (environment.error) return `could not be read: ${environment.error.split("\n")[0]}`;
    if (!environment.user) return "not a user";
    return [
        environment.disabled ? "user (disabled)" : "user",
        environment.accessMode ?? "no access mode",
        environment.systemAdministrator ? "System Administrator" : "no System Administrator",
    ].join(", ");
}

/** Below the table, each environment that is not ready for the backup product, by tenant. */
export function environmentLines(tenants: readonly TenantReport[]): string[] {
    const width = Math.max(0, ...tenants.map((report) => report.stack.length));
    return tenants.flatMap((report) =>
        (report.tenant?.environments ?? [])
            .filter((environment) => !environment.ok)
            .map((environment) => `${report.stack.padEnd(width)}  ${environment.name} (${environment.id}): ${formatEnvironment(environment)}`),
    );
}

/** Below the table, each environment left out by tenant, with its reason code and why. */
export function skippedLines(tenants: readonly TenantReport[]): string[] {
    const width = Math.max(0, ...tenants.map((report) => report.stack.length));
    return tenants.flatMap((report) => describeSkipped(report.tenant?.skipped ?? []).map((line) => `${report.stack.padEnd(width)}  ${line}`));
}

/**
 * What status found wrong in a tenant it could read, on one line; undefined when nothing.
 * Missing: a directory role the tenant's stage gives that the account does not hold
 * (`expectedRoles`), an environment to serve where the account is not an enabled
 * Read-Write System Administrator (or that could not be read), or an account the tenant
 * does not know. Drifted: what a refresh would change. Skipped environments are neither:
 * what a refresh would change in one the stack still holds (disabled since, say, whose
 * resources it keeps as they are) is shown as drift but fails nothing.
 */
export function statusProblems(status: TenantStatus, drift: readonly string[] | null, expectedRoles: readonly DirectoryRole[] = []): string | undefined {
    const held = new Set(status.directoryRoles.map((role) => role.roleDefinitionId.toLowerCase()));
    const missing = [
        ...(status.accountObjectId === null
            ? [`${status.account} is not a user of the tenant`]
            : expectedRoles.filter((role) => !held.has(role.templateId.toLowerCase())).map((role) => `directory role ${role.displayName}`)),
        ...status.environments
            .filter((environment) => !environment.ok)
            .map((environment) => `${environment.name} (${environment.id}): ${formatEnvironment(environment)}`),
    ];
    const skipped = new Set(status.skipped.map((entry) => entry.id.toLowerCase()));
    const drifted = (drift ?? []).filter((name) => !skipped.has(environmentOfResource(name)?.toLowerCase() ?? ""));
    const problems = [...(missing.length ? [`missing: ${missing.join("; ")}`] : []), ...(drifted.length ? [`drifted: ${drifted.join(", ")}`] : [])];
    return problems.length ? problems.join("; ") : undefined;
}

/**
 * Below the table, one line per failed tenant with its reason (the table's cells stay
 * short); an update's unconverged environments each on a line of their own under it.
 */
export function failureLines(tenants: readonly TenantReport[]): string[] {
    return tenants
        .filter((report) => report.result === "failed")
        .flatMap((report) => {
            const environments = report.notConverged ?? [];
            if (environments.length === 0) return [`${report.stack}: ${report.error ?? "failed"} (log: ${report.logFile})`];
            return [
                `${report.stack}: did not converge in ${environments.length} environment${environments.length === 1 ? "" : "s"} (log: ${report.logFile})`,
                ...environments.map((entry) => `  ${entry.environmentId}: ${entry.reason}`),
                ...(report.failedResources ?? []).map((entry) => `  also failed: ${entry.resource}: ${entry.reason}`),
            ];
        });
}

export function summaryLine(report: FleetReport): string {
    const total = report.tenants.length;
    const ok = total - report.failed.length;
    const rate = report.durationSeconds > 0 ? (total / report.durationSeconds) * 60 : 0;
    return (
        `${ok} of ${total} tenant${total === 1 ? "" : "s"} ok in ${report.durationSeconds.toFixed(1)} s ` +
        `(${rate.toFixed(1)} tenants per minute at concurrency ${report.concurrency})` +
        (report.failed.length ? `; failed: ${report.failed.join(", ")}` : "")
    );
}
