// What the fleet does for one tenant (one stack), through the Automation API:
//
//   status   the stack's configuration (decrypted), the tenant read with the program's
//            own clients (tenant-status.ts), and at the same time `pulumi refresh
//            --preview-only` for drift: what a refresh would change, without writing
//            state; and the stack's last update from its history
//   preview  `pulumi preview`; with --stage the stage is set for the preview and put
//            back afterwards, so a preview changes nothing, not even the stack file
//   up       `pulumi up` (with --stage: the stage is set first and stays)
//
// preview and up read the tenant afterwards too, so the report says what the tenant
// holds, not what Pulumi believes. Every line goes to the tenant's log.

import type { EngineEvent, OpMap, Stack } from "@pulumi/pulumi/automation";

import { NAMESPACE } from "../lib/config";
import type { Stage } from "../lib/stages";
import { messageOf } from "../providers/errors";
import type { Command } from "./options";
import type { Activity } from "./progress";
import type { TenantReport } from "./report";
import { configuredStage, stackSettings } from "./stack-settings";
import { readTenantStatus, TenantStatus } from "./tenant-status";

const STAGE_KEY = `${NAMESPACE}:stage`;

/** Operations that leave a resource as it was. */
const UNCHANGED = new Set(["same", "read", "refresh"]);

export interface TenantRun {
    readonly stack: Stack;
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

async function tenantNow(run: TenantRun, phase = "reading the tenant"): Promise<{ stage: string | null; tenant: TenantStatus }> {
    run.phase(phase);
    const config = await run.stack.getAllConfig();
    const settings = stackSettings(config, process.env);
    const tenant = await readTenantStatus(settings.config, settings.clientSettings, run.log);
    run.log(`tenant: ${JSON.stringify(tenant)}`);
    return { stage: settings.config.stage, tenant };
}

/** The stack's last change (update, refresh, destroy, import) and how it ended; null when never. Previews leave no entry. */
async function lastUpdateOf(run: TenantRun): Promise<{ time: string; result: string } | null> {
    const latest = await run.stack.info(false);
    return latest ? { time: new Date(latest.endTime ?? latest.startTime).toISOString(), result: latest.result } : null;
}

export async function statusOf(run: TenantRun): Promise<Omit<TenantReport, "durationSeconds" | "logFile">> {
    const watcher = eventWatcher(run);
    // The tenant and the refresh preview are independent: read both at once.
    const drift = run.stack.previewRefresh({ onOutput: run.log, onEvent: watcher.onEvent, color: "never" }).then(
        () => ({ changed: watcher.changed, error: undefined }),
        (error: unknown) => ({ changed: null, error: `drift check: ${reason(error, watcher.errors)}` }),
    );
    // Settle all three before reporting, so no CLI run outlives its tenant's log.
    const [read, updated, { changed, error }] = await Promise.allSettled([tenantNow(run, "reading the tenant and checking drift"), lastUpdateOf(run), drift]).then(
        ([read, updated, drifted]) => [read, updated, drifted.status === "fulfilled" ? drifted.value : { changed: null, error: messageOf(drifted.reason) }] as const,
    );
    if (read.status === "rejected") throw read.reason;
    if (updated.status === "rejected") throw updated.reason;
    const { stage, tenant } = read.value;
    const lastUpdate = updated.value?.time ?? null;
    const lastUpdateResult = updated.value?.result ?? null;
    return error
        ? { stack: run.name, stage, result: "failed", error, tenant, drift: null, lastUpdate, lastUpdateResult }
        : { stack: run.name, stage, result: "ok", tenant, drift: changed, lastUpdate, lastUpdateResult };
}

/** Sets the stage (when asked), runs the operation, reads the tenant; a failure still reports what the tenant holds. */
export async function changeOf(run: TenantRun, command: Exclude<Command, "status">, stage: Stage | undefined): Promise<Omit<TenantReport, "durationSeconds" | "logFile">> {
    const before = configuredStage(await run.stack.getAllConfig()) ?? null;
    const watcher = eventWatcher(run);
    let changes: Record<string, number> | null = null;
    let failure: string | undefined;
    if (stage) {
        run.log(`setting ${STAGE_KEY} to ${stage} (was ${before ?? "unset"})`);
        await run.stack.setConfig(STAGE_KEY, { value: stage });
    }
    try {
        run.phase(command === "up" ? "pulumi up" : "pulumi preview");
        if (command === "up") {
            const result = await run.stack.up({ onOutput: run.log, onEvent: watcher.onEvent, color: "never" });
            changes = changesOf(result.summary.resourceChanges);
        } else {
            const result = await run.stack.preview({ onOutput: run.log, onEvent: watcher.onEvent, color: "never" });
            changes = changesOf(result.changeSummary);
        }
    } catch (error) {
        failure = reason(error, watcher.errors);
        run.log(`failed: ${messageOf(error)}`);
    } finally {
        if (command === "preview" && stage && before !== stage) {
            run.log(`putting ${STAGE_KEY} back to ${before ?? "unset"}`);
            if (before === null) await run.stack.removeConfig(STAGE_KEY);
            else await run.stack.setConfig(STAGE_KEY, { value: before });
        }
    }
    let tenant: TenantStatus | null = null;
    try {
        tenant = (await tenantNow(run)).tenant;
    } catch (error) {
        run.log(`could not read the tenant: ${messageOf(error)}`);
        failure ??= `reading the tenant: ${oneLine(messageOf(error))}`;
    }
    const previousStage = stage ? { previousStage: before } : {};
    const shownStage = stage ?? before;
    return failure
        ? { stack: run.name, stage: shownStage, ...previousStage, result: "failed", error: failure, tenant, changes }
        : { stack: run.name, stage: shownStage, ...previousStage, result: "ok", tenant, changes };
}
