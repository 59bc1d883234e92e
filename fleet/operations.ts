// What the fleet does for one tenant (one stack), through the Automation API:
//
//   check    the pre-run check alone (pre-run-check.ts), for CI: no provider starts
//   status   the tenant read with the program's own clients (tenant-status.ts), and at
//            the same time `pulumi refresh --preview-only` for drift: what a refresh
//            would change, without writing state; and the stack's last update from its
//            history
//   preview  `pulumi preview`; with --stage from a copy of the stack's settings with
//            that stage (stage-config.ts): the stack file is never written
//   up       `pulumi up --continue-on-error` (with --stage: the stage is set first and
//            stays); a failure names each environment that did not converge (convergence.ts)
//   recover  after an interruption: removes a stale lock, clears pending operations
//            (`pulumi refresh --clear-pending-creates`), then `pulumi up --refresh` at
//            the configured stage (no second refresh when it just refreshed), as up does
//
// status fails a tenant that it read when the account misses access in an environment
// it should serve, or when a refresh would change something (drift): the scheduled job
// of the tenants workflow relies on that exit code. Skipped environments are not missing.
//
// preview, up and recover run the policy pack in policy/ unless --no-policy-pack. Every
// Pulumi run (status's refresh preview too) gets the tenant's --parallel from
// parallelism.ts: the user's, else the one recommended for its number of environments,
// said in the tenant's progress line and log.
// Before any command that starts a provider, every command runs the pre-run check
// (pre-run-check.ts): the stack's settings with the program's own checks, and its state
// and locks (stack-health.ts). A stack that fails it runs no such command, and the
// report says why and what to run. preview, up and recover read the tenant
// afterwards too, so the report says what the tenant holds, not what Pulumi believes.
// Every line goes to the tenant's log.

import type { EngineEvent, LocalWorkspace, OpMap, Stack } from "@pulumi/pulumi/automation";

import { NAMESPACE } from "../lib/config";
import { isStage, planStage, Stage } from "../lib/stages";
import type { DirectoryRole } from "../lib/directory-roles";
import { messageOf } from "../providers";
import { attributeGroupFailures, describeFailures, EnvironmentNotConverged, FailureCollector, ResourceFailed } from "./convergence";
import type { FleetOptions } from "./options";
import { chooseParallel, describeRun, environmentsToServe, ParallelChoice } from "./parallelism";
import { CheckOptions, preRunCheck, PreRunCheck } from "./pre-run-check";
import type { Activity } from "./progress";
import { statusProblems, TenantReport } from "./report";
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
    /** recover: removes the update history's metadata files a kill left unreadable (a local file backend); how many. */
    repairHistory(): Promise<number>;
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

interface EventWatcher {
    onEvent(event: EngineEvent): void;
    /** The engine's error diagnostics, in order. */
    readonly errors: string[];
    /** Resources whose operation was other than "same" (a refresh preview: the drift). */
    readonly changed: string[];
    /** The resources that failed, by environment. */
    readonly failures: FailureCollector;
}

/** Counts finished resources for the progress line, and keeps the engine's errors and failed resources for the report. */
function eventWatcher(run: TenantRun): EventWatcher {
    const errors: string[] = [];
    const changed: string[] = [];
    const failures = new FailureCollector();
    return {
        errors,
        changed,
        failures,
        onEvent: (event) => {
            failures.observe(event);
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
    const lines = messageOf(error)
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
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

/**
 * The directory roles the account should hold now: those of the stage the tenant is in —
 * its last update's `stage` output (an update in CI sets the stage on the runner's copy
 * of the stack file only), else the stack's own — except a Global Administrator that
 * ends by itself (elevationHours), whose end is no loss.
 */
async function expectedRoles(run: TenantRun, configured: Stage, timeBound: boolean): Promise<readonly DirectoryRole[]> {
    let stage = configured;
    try {
        const applied = (await run.stack.outputs()).stage?.value;
        if (typeof applied === "string" && isStage(applied)) stage = applied;
    } catch (error) {
        run.log(`could not read the stack's outputs, so the roles expected are those of its configured stage ${configured}: ${messageOf(error)}`);
    }
    const plan = planStage(stage, timeBound);
    return plan.directoryRoles.filter((role) => !plan.timeBoundRoles.includes(role));
}

type Outcome = Omit<TenantReport, "durationSeconds" | "logFile">;

/**
 * Whether this update continues past a failing environment. Not across a stage move:
 * the engine then still deletes what the new stage drops (Global Administrator, going to
 * operational) even when a grant it adds was refused, and the stages promise that
 * nothing is removed after a failure. The stage the tenant is in is its last update's
 * `stage` output; a new stack has none, and its first update removes nothing.
 */
async function continuesPastErrors(run: TenantRun, desired: string | null, requested: boolean): Promise<boolean> {
    if (!requested || !desired) return requested;
    let applied: unknown;
    try {
        applied = (await run.stack.outputs()).stage?.value;
    } catch (error) {
        run.log(`could not read the stack's outputs, so this update stops at the first failure: ${messageOf(error)}`);
        return false;
    }
    if (typeof applied !== "string" || applied === desired) return true;
    run.log(`stage move from ${applied} to ${desired}: this update stops at the first failure, so nothing the stage drops is removed after a refused grant`);
    return false;
}

/** The pre-run check (pre-run-check.ts), its refusal in the tenant's log. */
async function checked(
    run: TenantRun,
    command: Parameters<typeof preRunCheck>[1],
    options: CheckOptions = {},
): Promise<PreRunCheck & { refusal: string | undefined }> {
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

/** The tenant's --parallel (parallelism.ts), in its log; the settings' count is only read when they passed the check. */
async function parallelFor(run: TenantRun, check: PreRunCheck, requested: number | undefined): Promise<ParallelChoice> {
    const { settings } = check;
    const chosen = await chooseParallel({
        requested,
        config: settings?.config,
        deployment: check.deployment,
        countInTenant: () => environmentsToServe(settings!.config, settings!.clientSettings, run.log),
        log: run.log,
    });
    run.log(`parallel: ${chosen.parallel ?? "the engine's default"} (${chosen.why})`);
    return chosen;
}

/** The CLI's own lock refusal (any self-managed backend), turned into what to run; else the usual reason. */
function reasonWithLocks(run: TenantRun, error: unknown, diagnostics: readonly string[]): string {
    const locks = locksFromError(messageOf(error));
    return locks ? lockAdvice(run.name, locks) : reason(error, diagnostics);
}

export async function statusOf(run: TenantRun, options: { parallel?: number } = {}): Promise<Outcome> {
    // The refresh preview configures the azuread provider from the stack file: it waits for the check.
    const check = await checked(run, "status");
    const { config, settings, refusal } = check;
    if (!settings) return { stack: run.name, stage: configuredStage(config) ?? null, result: "failed", error: refusal!, tenant: null, drift: null };
    const watcher = eventWatcher(run);
    const parallel = refusal ? undefined : await parallelFor(run, check, options.parallel);
    // The tenant (the program's own clients, no provider) is read even when the state stops the drift check.
    run.phase(
        parallel ? `reading the tenant and checking drift: ${describeRun("pulumi refresh --preview-only", parallel)}` : "reading the tenant and checking drift",
    );
    // The tenant and the refresh preview are independent: read both at once.
    const drift = refusal
        ? Promise.resolve({ changed: null, error: refusal })
        : run.stack.previewRefresh({ onOutput: run.log, onEvent: watcher.onEvent, color: "never", parallel: parallel?.parallel }).then(
              () => ({ changed: watcher.changed, error: undefined }),
              (error: unknown) => ({ changed: null, error: `drift check: ${reasonWithLocks(run, error, watcher.errors)}` }),
          );
    const roles = expectedRoles(run, settings.config.stage, settings.config.elevation !== undefined);
    // Settle them all before reporting, so no CLI run outlives its tenant's log.
    const [read, updated, { changed, error }, expected] = await Promise.allSettled([tenantWith(run, settings), lastUpdateOf(run), drift, roles]).then(
        ([read, updated, drifted, expected]) =>
            [read, updated, drifted.status === "fulfilled" ? drifted.value : { changed: null, error: messageOf(drifted.reason) }, expected] as const,
    );
    if (read.status === "rejected") throw read.reason;
    if (updated.status === "rejected") throw updated.reason;
    if (expected.status === "rejected") throw expected.reason;
    const tenant = read.value;
    const stage = settings.config.stage;
    const lastUpdate = updated.value?.time ?? null;
    const lastUpdateResult = updated.value?.result ?? null;
    // Read, but not what it should be: missing access or drift fails the tenant too.
    const problems = statusProblems(tenant, changed, expected.value);
    if (problems) run.log(`not converged: ${problems}`);
    const failure = [error, problems].filter(Boolean).join("; ");
    return failure
        ? { stack: run.name, stage, result: "failed", error: failure, tenant, drift: changed, lastUpdate, lastUpdateResult }
        : { stack: run.name, stage, result: "ok", tenant, drift: changed, lastUpdate, lastUpdateResult };
}

/**
 * Why an update failed: each environment that did not converge, from the engine's events
 * and the tenant read after it (which environments a failed group membership held back),
 * else the engine's own reason (a directory role refused, the program stopped).
 */
function updateFailure(run: TenantRun, error: unknown, watcher: EventWatcher, tenant: TenantStatus | null): { failure: string } & Converged {
    const failures = attributeGroupFailures(watcher.failures.failures(), tenant?.environments ?? null);
    const described = describeFailures(failures);
    if (described) run.log(described);
    return {
        failure: described ?? reasonWithLocks(run, error, watcher.errors),
        notConverged: [...failures.environments],
        failedResources: [...failures.others],
    };
}

/** What an update that ran left unconverged; both empty when it succeeded. */
interface Converged {
    readonly notConverged: EnvironmentNotConverged[];
    readonly failedResources: ResourceFailed[];
}
const CONVERGED: Converged = { notConverged: [], failedResources: [] };

/** The tenant after a change; a failure to read it becomes the report's failure when there is none yet. */
async function tenantAfter(run: TenantRun, failure: string | undefined): Promise<{ readonly tenant: TenantStatus | null; failure: string | undefined }> {
    try {
        return { tenant: await tenantNow(run), failure };
    } catch (error) {
        run.log(`could not read the tenant: ${messageOf(error)}`);
        return { tenant: null, failure: failure ?? `reading the tenant: ${oneLine(messageOf(error))}` };
    }
}

/** preview: with --stage, from a copy of the stack's settings that has it, so the stack file is never written. */
async function previewOf(
    run: TenantRun,
    stage: Stage | undefined,
    watcher: EventWatcher,
    options: { refresh: boolean; parallel: number | undefined },
): Promise<Record<string, number>> {
    const common = { onOutput: run.log, onEvent: watcher.onEvent, color: "never" as const, policyPacks: [...run.policyPacks], ...options };
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
export async function changeOf(
    run: TenantRun,
    options: { command: "preview" | "up"; stage: Stage | undefined; continueOnError: boolean; refresh?: boolean; parallel?: number },
): Promise<Outcome> {
    const { command, stage, continueOnError, refresh = false } = options;
    const check = await checked(run, command);
    const { config, refusal } = check;
    const before = configuredStage(config) ?? null;
    const previousStage = stage ? { previousStage: before } : {};
    const shownStage = stage ?? before;
    if (refusal) return { stack: run.name, stage: before, result: "failed", error: refusal, tenant: null, changes: null };
    const watcher = eventWatcher(run);
    const parallel = await parallelFor(run, check, options.parallel);
    let changes: Record<string, number> | null = null;
    let failure: string | undefined;
    // up only: what the update left unconverged, and the error that says it did.
    let converged: Converged | Record<string, never> = {};
    let updateError: { error: unknown } | undefined;
    try {
        if (command === "up") {
            converged = CONVERGED;
            if (stage) {
                run.log(`setting ${STAGE_KEY} to ${stage} (was ${before ?? "unset"})`);
                await run.stack.setConfig(STAGE_KEY, { value: stage });
            }
            const continuing = await continuesPastErrors(run, stage ?? before, continueOnError);
            run.phase(describeRun(refresh ? "pulumi up --refresh" : "pulumi up", parallel));
            const result = await run.stack.up({
                onOutput: run.log,
                onEvent: watcher.onEvent,
                color: "never",
                policyPacks: [...run.policyPacks],
                continueOnError: continuing,
                refresh,
                parallel: parallel.parallel,
            });
            changes = changesOf(result.summary.resourceChanges);
        } else {
            run.phase(describeRun(refresh ? "pulumi preview --refresh" : "pulumi preview", parallel));
            changes = await previewOf(run, stage, watcher, { refresh, parallel: parallel.parallel });
        }
    } catch (error) {
        run.log(`failed: ${messageOf(error)}`);
        failure = reasonWithLocks(run, error, watcher.errors);
        if (command === "up") updateError = { error };
    }
    const after = await tenantAfter(run, failure);
    if (updateError) {
        const { failure: why, ...left } = updateFailure(run, updateError.error, watcher, after.tenant);
        after.failure = why;
        converged = left;
    }
    return after.failure
        ? { stack: run.name, stage: shownStage, ...previousStage, result: "failed", error: after.failure, tenant: after.tenant, changes, ...converged }
        : { stack: run.name, stage: shownStage, ...previousStage, result: "ok", tenant: after.tenant, changes, ...converged };
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
export async function recoverOf(run: TenantRun, options: Pick<FleetOptions, "force" | "continueOnError"> & { parallel?: number }): Promise<Outcome> {
    // Before the refresh, which configures the azuread provider from the stack file. Locks
    // and pending operations are what recover clears: only the settings and 0.1.0 code stop it.
    const check = await checked(run, "recover");
    const { config, refusal, locks, health } = check;
    const stage = configuredStage(config) ?? null;
    if (refusal) return { stack: run.name, stage, result: "failed", error: refusal, tenant: null, changes: null, recovery: null };
    const done: string[] = [];
    const watcher = eventWatcher(run);
    const parallel = await parallelFor(run, check, options.parallel);
    let changes: Record<string, number> | null = null;
    let failure: string | undefined;
    // Set once the update runs: a refusal or a failed refresh before it names no environment.
    let converged: Converged | undefined;
    let updateError: { error: unknown } | undefined;
    try {
        if (locks.length) await removeLocks(run, locks, options.force, done);
        const history = await run.repairHistory();
        if (history) done.push(`${history} unreadable history metadata file${history === 1 ? "" : "s"} removed`);
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
            run.phase(describeRun("pulumi refresh --clear-pending-creates", parallel));
            await withLocksRemoved(() => run.stack.refresh({ onOutput: run.log, color: "never", clearPendingCreates: true, parallel: parallel.parallel }));
            done.push(`${describePending(health.pendingOperations)} cleared`);
        } else {
            done.push("no pending operations");
        }
        run.log(`recover: ${done.join("; ")}`);
        // Refreshed just now when something was pending; else the update refreshes first.
        run.phase(`${describeRun(`pulumi up${pending ? "" : " --refresh"}`, parallel)} at ${stage ?? "no stage set"}`);
        converged = CONVERGED;
        const continuing = await continuesPastErrors(run, stage, options.continueOnError);
        const result = await withLocksRemoved(() =>
            run.stack.up({
                onOutput: run.log,
                onEvent: watcher.onEvent,
                color: "never",
                refresh: !pending,
                policyPacks: [...run.policyPacks],
                continueOnError: continuing,
                parallel: parallel.parallel,
            }),
        );
        changes = changesOf(result.summary.resourceChanges);
    } catch (error) {
        run.log(`failed: ${messageOf(error)}`);
        failure = error instanceof RecoveryRefused ? error.message : reasonWithLocks(run, error, watcher.errors);
        if (converged) updateError = { error };
    }
    const after = await tenantAfter(run, failure);
    if (updateError) {
        const { failure: why, ...left } = updateFailure(run, updateError.error, watcher, after.tenant);
        after.failure = why;
        converged = left;
    }
    const recovery = done.length ? done : null;
    return after.failure
        ? { stack: run.name, stage, result: "failed", error: after.failure, tenant: after.tenant, changes, recovery, ...converged }
        : { stack: run.name, stage, result: "ok", tenant: after.tenant, changes, recovery, ...converged };
}
