// What the fleet does for one tenant (one stack), through the Automation API:
//
//   check    the pre-run check alone (pre-run-check.ts), for CI: no provider starts
//   status   the tenant read with the program's own clients (tenant-status.ts), and at
//            the same time `pulumi refresh --preview-only` for drift: what a refresh
//            would change, without writing state; and the stack's last update from its
//            history
//   preview  `pulumi preview`; with --stage from a copy of the stack's settings with
//            that stage (stage-config.ts): the stack file is never written
//   up       `pulumi up` (with --stage: the stage is set first and stays)
//   recover  after an interruption: removes a stale lock, clears pending operations
//            (`pulumi refresh --clear-pending-creates`), then `pulumi up --refresh` at
//            the configured stage (no second refresh when it just refreshed)
//
// preview, up and recover run the policy pack in policy/ unless --no-policy-pack.
// Before any command that starts a provider, every command runs the pre-run check
// (pre-run-check.ts): the stack's settings with the program's own checks, and its state
// and locks (stack-health.ts). A stack that fails it runs no such command, and the
// report says why and what to run. preview, up and recover read the tenant
// afterwards too, so the report says what the tenant holds, not what Pulumi believes.
// Every line goes to the tenant's log.

import type { EngineEvent, LocalWorkspace, OpMap, Stack } from "@pulumi/pulumi/automation";

import { NAMESPACE } from "../lib/config";
import type { Stage } from "../lib/stages";
import { messageOf } from "../providers";
import type { FleetOptions } from "./options";
import { CheckOptions, preRunCheck, PreRunCheck } from "./pre-run-check";
import type { Activity } from "./progress";
import type { TenantReport } from "./report";
import { describeLock, describePending, judgeLock, lockAdvice, locksFromError, StackLock } from "./stack-health";
import { stageConfigCopy } from "./stage-config";
import { configuredStage, stackSettings, StackSettings } from "./stack-settings";
import { readTenantStatus, TenantStatus } from "./tenant-status";

const STAGE_KEY = `${NAMESPACE}:stage`;

/** Operations that leave a resource as it was. */
const UNCHANGED = new Set(["same", "read", "refresh"]);

export interface TenantRun {
    readonly stack: Stack;
    readonly workspace: LocalWorkspace;
    /** The stack's lock files where the fleet can read them (a local file backend); else none (the CLI names them when it refuses). */
    readLocks(): Promise<StackLock[]>;
    /** The policy pack's folder when preview, up and recover run it. */
    readonly policyPacks: readonly string[];
    /** Short name, for the report. */
    readonly name: string;
    readonly activity: Activity;
    readonly logFile: string;
    log(line: string): void;
    /** Tells the progress display the tenant moved on to another phase. */
    phase(text: string): void;
}

/** Counts finished resources for the progress line, and keeps the engine's error diagnostics for the report. */
function eventWatcher(run: TenantRun): { onEvent: (event: EngineEvent) => void; errors: string[]; changed: string[] } {
    const errors: string[] = [];
    const changed: string[] = [];
    return {
        errors,
        changed,
        onEvent: (event) => {
            const outputs = event.resOutputsEvent;
            if (outputs) {
                run.activity.done++;
                if (!UNCHANGED.has(outputs.metadata.op)) {
                    run.activity.changing++;
                    changed.push(outputs.metadata.urn.split("::").pop()!);
                }
            }
            const diagnostic = event.diagnosticEvent;
            if (diagnostic?.severity === "error") errors.push(diagnostic.message.trim());
        },
    };
}

/** The operations other than "same", for the report. */
function changesOf(summary: OpMap | undefined): Record<string, number> {
    return Object.fromEntries(Object.entries(summary ?? {}).filter(([op, count]) => !UNCHANGED.has(op) && (count ?? 0) > 0)) as Record<string, number>;
}

/** A message on one line, for the report: a list's items joined, its dashes dropped. */
export function oneLine(message: string): string {
    return message
        .split("\n")
        .map((line) => line.trim().replace(/^- /, ""))
        .filter(Boolean)
        .join(" ");
}

/** One line for the table: the engine's own error where there is one, else the CLI's last words. */
function reason(error: unknown, diagnostics: readonly string[]): string {
    const fromEngine = diagnostics
        .flatMap((message) => message.split("\n"))
        .map((line) => line.trim())
        .filter((line) => line && !/^error: update failed$/i.test(line) && !/^(pulumi:pulumi:Stack|Diagnostics:)/.test(line));
    if (fromEngine.length) return fromEngine[0].replace(/^error:\s*/i, "");
    const lines = messageOf(error).split("\n").map((line) => line.trim()).filter(Boolean);
    return (lines.find((line) => /^error:/i.test(line)) ?? lines[0] ?? "failed").replace(/^error:\s*/i, "");
}

async function tenantNow(run: TenantRun): Promise<TenantStatus> {
    run.phase("reading the tenant");
    return tenantWith(run, stackSettings(await run.stack.getAllConfig(), process.env));
}

/** The tenant read with the program's own clients (no CLI command). */
async function tenantWith(run: TenantRun, settings: StackSettings): Promise<TenantStatus> {
    const tenant = await readTenantStatus(settings.config, settings.clientSettings, run.log);
    run.log(`tenant: ${JSON.stringify(tenant)}`);
    return tenant;
}

/** The stack's last change (update, refresh, destroy, import) and how it ended; null when never. Previews leave no entry. */
async function lastUpdateOf(run: TenantRun): Promise<{ time: string; result: string } | null> {
    const latest = await run.stack.info(false);
    return latest ? { time: new Date(latest.endTime ?? latest.startTime).toISOString(), result: latest.result } : null;
}

type Outcome = Omit<TenantReport, "durationSeconds" | "logFile">;

/** The pre-run check (pre-run-check.ts), its refusal in the tenant's log. */
async function checked(run: TenantRun, command: Parameters<typeof preRunCheck>[1], options: CheckOptions = {}): Promise<PreRunCheck & { refusal: string | undefined }> {
    run.phase("checking settings, state and locks");
    const check = await preRunCheck(run, command, process.env, options);
    return { ...check, refusal: check.problems.length ? oneLine(check.problems.join("\n")) : undefined };
}

/** `fleet check`: the pre-run check alone, for CI before its preview or update; nothing that starts a provider. */
export async function checkOf(run: TenantRun, options: CheckOptions = {}): Promise<Outcome> {
    const { config, refusal } = await checked(run, "check", options);
    const stage = configuredStage(config) ?? null;
    return refusal ? { stack: run.name, stage, result: "failed", error: refusal, tenant: null } : { stack: run.name, stage, result: "ok", tenant: null };
}

/** The CLI's own lock refusal (any self-managed backend), turned into what to run; else the usual reason. */
function reasonWithLocks(run: TenantRun, error: unknown, diagnostics: readonly string[]): string {
    const locks = locksFromError(messageOf(error));
    return locks ? lockAdvice(run.name, locks) : reason(error, diagnostics);
}

export async function statusOf(run: TenantRun): Promise<Outcome> {
    // The refresh preview configures the azuread provider from the stack file: it waits for the check.
    const { config, settings, refusal } = await checked(run, "status");
    if (!settings) return { stack: run.name, stage: configuredStage(config) ?? null, result: "failed", error: refusal!, tenant: null, drift: null };
    const watcher = eventWatcher(run);
    // The tenant (the program's own clients, no provider) is read even when the state stops the drift check.
    run.phase("reading the tenant and checking drift");
    // The tenant and the refresh preview are independent: read both at once.
    const drift = refusal
        ? Promise.resolve({ changed: null, error: refusal })
        : run.stack.previewRefresh({ onOutput: run.log, onEvent: watcher.onEvent, color: "never" }).then(
              () => ({ changed: watcher.changed, error: undefined }),
              (error: unknown) => ({ changed: null, error: `drift check: ${reasonWithLocks(run, error, watcher.errors)}` }),
          );
    // Settle all three before reporting, so no CLI run outlives its tenant's log.
    const [read, updated, { changed, error }] = await Promise.allSettled([tenantWith(run, settings), lastUpdateOf(run), drift]).then(
        ([read, updated, drifted]) => [read, updated, drifted.status === "fulfilled" ? drifted.value : { changed: null, error: messageOf(drifted.reason) }] as const,
    );
    if (read.status === "rejected") throw read.reason;
    if (updated.status === "rejected") throw updated.reason;
    const tenant = read.value;
    const stage = settings.config.stage;
    const lastUpdate = updated.value?.time ?? null;
    const lastUpdateResult = updated.value?.result ?? null;
    return error
        ? { stack: run.name, stage, result: "failed", error, tenant, drift: null, lastUpdate, lastUpdateResult }
        : { stack: run.name, stage, result: "ok", tenant, drift: changed, lastUpdate, lastUpdateResult };
}

/** The tenant after a change; a failure to read it becomes the report's failure when there is none yet. */
async function tenantAfter(run: TenantRun, failure: string | undefined): Promise<{ tenant: TenantStatus | null; failure: string | undefined }> {
    try {
        return { tenant: await tenantNow(run), failure };
    } catch (error) {
        run.log(`could not read the tenant: ${messageOf(error)}`);
        return { tenant: null, failure: failure ?? `reading the tenant: ${oneLine(messageOf(error))}` };
    }
}

/** preview: with --stage, from a copy of the stack's settings that has it, so the stack file is never written. */
async function previewOf(run: TenantRun, stage: Stage | undefined, watcher: ReturnType<typeof eventWatcher>): Promise<Record<string, number>> {
    const common = { onOutput: run.log, onEvent: watcher.onEvent, color: "never" as const, policyPacks: [...run.policyPacks] };
    if (!stage) return changesOf((await run.stack.preview(common)).changeSummary);
    const copy = await stageConfigCopy(run.workspace, run.stack.name, STAGE_KEY, stage);
    run.log(`previewing with ${STAGE_KEY}=${stage} from a copy of the stack's settings; the stack file is not written`);
    try {
        return changesOf((await run.stack.preview({ ...common, configFile: copy.file })).changeSummary);
    } finally {
        await copy.remove();
    }
}

/** Runs the pre-run check, sets the stage (up), runs the operation, reads the tenant; a failure still reports what the tenant holds. */
export async function changeOf(run: TenantRun, options: { command: "preview" | "up"; stage: Stage | undefined }): Promise<Outcome> {
    const { command, stage } = options;
    const { config, refusal } = await checked(run, command);
    const before = configuredStage(config) ?? null;
    const previousStage = stage ? { previousStage: before } : {};
    const shownStage = stage ?? before;
    if (refusal) return { stack: run.name, stage: before, result: "failed", error: refusal, tenant: null, changes: null };
    const watcher = eventWatcher(run);
    let changes: Record<string, number> | null = null;
    let failure: string | undefined;
    try {
        if (command === "up") {
            if (stage) {
                run.log(`setting ${STAGE_KEY} to ${stage} (was ${before ?? "unset"})`);
                await run.stack.setConfig(STAGE_KEY, { value: stage });
            }
            run.phase("pulumi up");
            const result = await run.stack.up({ onOutput: run.log, onEvent: watcher.onEvent, color: "never", policyPacks: [...run.policyPacks] });
            changes = changesOf(result.summary.resourceChanges);
        } else {
            run.phase("pulumi preview");
            changes = await previewOf(run, stage, watcher);
        }
    } catch (error) {
        failure = reasonWithLocks(run, error, watcher.errors);
        run.log(`failed: ${messageOf(error)}`);
    }
    const after = await tenantAfter(run, failure);
    return after.failure
        ? { stack: run.name, stage: shownStage, ...previousStage, result: "failed", error: after.failure, tenant: after.tenant, changes }
        : { stack: run.name, stage: shownStage, ...previousStage, result: "ok", tenant: after.tenant, changes };
}

class RecoveryRefused extends Error {}

/** Removes the locks when every one is stale (or --force); else refuses, saying whose they are. */
async function removeLocks(run: TenantRun, locks: readonly StackLock[], force: boolean, done: string[]): Promise<void> {
    const judged = locks.map((lock) => ({ lock, verdict: judgeLock(lock) }));
    if (!force && (judged.length === 0 || judged.some(({ verdict }) => verdict !== "stale"))) throw new RecoveryRefused(lockAdvice(run.name, locks));
    // On a self-managed backend `pulumi cancel` deletes the stack's lock files (it stops nothing).
    await run.stack.cancel();
    for (const { lock, verdict } of judged) {
        const line = `removed ${describeLock(lock, verdict)}`;
        run.log(line);
        done.push(verdict === "stale" ? "stale lock removed" : "lock removed (--force)");
    }
    if (judged.length === 0) done.push("lock removed (--force)");
}

/**
 * After an interruption, whatever it was: the stack's stale lock removed, its pending
 * operations cleared by a refresh (what was created meanwhile is adopted by the update:
 * the program imports existing directory role assignments and memberships, the
 * providers adopt users and roles they find), then `pulumi up` at the configured stage.
 * The same for every interruption point; safe to run when nothing was interrupted.
 */
export async function recoverOf(run: TenantRun, options: Pick<FleetOptions, "force">): Promise<Outcome> {
    // Before the refresh, which configures the azuread provider from the stack file. Locks
    // and pending operations are what recover clears: only the settings and 0.1.0 code stop it.
    const { config, refusal, locks, health } = await checked(run, "recover");
    const stage = configuredStage(config) ?? null;
    if (refusal) return { stack: run.name, stage, result: "failed", error: refusal, tenant: null, changes: null, recovery: null };
    const done: string[] = [];
    const watcher = eventWatcher(run);
    let changes: Record<string, number> | null = null;
    let failure: string | undefined;
    try {
        if (locks.length) await removeLocks(run, locks, options.force, done);
        // The CLI names locks this machine could not read (Azure Blob, S3, GCS backends) when it refuses.
        const withLocksRemoved = async <T>(operation: () => Promise<T>): Promise<T> => {
            try {
                return await operation();
            } catch (error) {
                const named = locksFromError(messageOf(error));
                if (!named) throw error;
                await removeLocks(run, named, options.force, done);
                return operation();
            }
        };
        const pending = health.pendingOperations.length > 0;
        if (pending) {
            // Pending creates are dropped (the update adopts what they made); the other pending operations go with the refresh's save.
            run.phase("pulumi refresh --clear-pending-creates");
            await withLocksRemoved(() => run.stack.refresh({ onOutput: run.log, color: "never", clearPendingCreates: true }));
            done.push(`${describePending(health.pendingOperations)} cleared`);
        } else {
            done.push("no pending operations");
        }
        run.log(`recover: ${done.join("; ")}`);
        // Refreshed just now when something was pending; else the update refreshes first.
        run.phase(`pulumi up${pending ? "" : " --refresh"} (${stage ?? "stage unset"})`);
        const result = await withLocksRemoved(() =>
            run.stack.up({ onOutput: run.log, onEvent: watcher.onEvent, color: "never", refresh: !pending, policyPacks: [...run.policyPacks] }),
        );
        changes = changesOf(result.summary.resourceChanges);
    } catch (error) {
        failure = error instanceof RecoveryRefused ? error.message : reasonWithLocks(run, error, watcher.errors);
        run.log(`failed: ${messageOf(error)}`);
    }
    const after = await tenantAfter(run, failure);
    const recovery = done.length ? done : null;
    return after.failure
        ? { stack: run.name, stage, result: "failed", error: after.failure, tenant: after.tenant, changes, recovery }
        : { stack: run.name, stage, result: "ok", tenant: after.tenant, changes, recovery };
}
