// Which environments get the account, decided from the configured selection, what the
// tenant really has (providers/clients/environment-kinds.ts says which kinds and states can be
// served) and what the stack already serves. Pure: the program fetches, this decides.
//
// With ["*"] every environment is a target or skipped with a reason code and a sentence:
// Dataverse for Teams, no Dataverse, still provisioning, not ready, busy, disabled,
// excluded by configuration, or deleted since the last update. Two rules keep a real
// tenant's comings and goings safe:
//   - an environment the stack already serves but cannot serve now (disabled, not ready,
//     …) is *held*: its resources stay registered as they are, so nothing is given back
//     and nothing is called there; the next update serves it again once BAP says so;
//   - an environment deleted since the last update (no longer listed, and BAP answers
//     404 for it) is reported, and its resources leave the stack: their delete finds the
//     environment gone and calls nothing else.
// Named explicitly, an environment that is unknown or cannot be served is a
// configuration mistake and stops the run before anything changes, with the same reason.

import { EnvironmentInfo, servedNote, SKIP_REASON_CODES, SkipReasonCode, unservableCondition } from "../providers";
import { EnvironmentSelection, NAMESPACE } from "./config";
import { normalizeId } from "./ids";

/** An environment the account must be a System Administrator user of. */
export interface EnvironmentTarget {
    readonly id: string;
    readonly displayName: string;
    readonly instanceUrl: string;
    /** The Entra group the environment is restricted to; the account must be a member first. */
    readonly securityGroupId: string | undefined;
    /** What the account meets there (administration mode, managed, a Developer's owner), for the preview. */
    readonly note?: string;
}

/** An environment left out, with a reason a machine reads (`reasonCode`) and a person does (`reason`). */
export interface SkippedEnvironment {
    readonly id: string;
    readonly displayName: string;
    /** BAP's environmentSku (Production, Sandbox, Trial, Developer, Default, Teams), or "Unknown" for a deleted one. */
    readonly kind: string;
    readonly reasonCode: SkipReasonCode;
    readonly reason: string;
    /** True when the stack already served it: what it granted there stays as it is until it can be served again. */
    readonly kept: boolean;
}

/** Which of an environment's resources the stack's state holds. */
export interface EnvironmentResourcesInState {
    /** An EnvironmentUser (a stack written with a user and a role per environment). */
    readonly user: boolean;
    readonly role: boolean;
    /** The role keeps the user too (written with an access mode): one resource for the environment. */
    readonly roleKeepsUser: boolean;
    /** The name the environment had when the stack last served it. */
    readonly displayName?: string;
}

/** An environment the stack serves but cannot serve now: its resources in state are registered unchanged. */
export interface HeldEnvironment extends EnvironmentResourcesInState {
    readonly id: string;
    readonly displayName: string;
    readonly securityGroupId: string | undefined;
}

export interface EnvironmentPlan {
    readonly targets: readonly EnvironmentTarget[];
    readonly skipped: readonly SkippedEnvironment[];
    readonly held: readonly HeldEnvironment[];
}

/** What the stack already serves, and which of those environments BAP confirmed deleted (404). */
export interface ServedEnvironments {
    /** Environment id (normalizeId) → its resources in the stack's state. */
    readonly inState: ReadonlyMap<string, EnvironmentResourcesInState>;
    /** Ids (normalizeId) of environments in state that BAP no longer knows (404). */
    readonly deleted: readonly string[];
}

export const NOTHING_SERVED: ServedEnvironments = { inState: new Map(), deleted: [] };

export class EnvironmentSelectionError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`The environments to back up cannot be used; nothing was changed:\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "EnvironmentSelectionError";
    }
}

const DELETED_REASON =
    "deleted since the last update (Power Platform no longer knows it); its resources leave the stack, and nothing in the tenant is changed for it";

function toTarget(environment: EnvironmentInfo): EnvironmentTarget {
    const note = servedNote(environment);
    return {
        id: environment.id,
        displayName: environment.displayName,
        instanceUrl: environment.dataverse!.instanceUrl,
        securityGroupId: environment.securityGroupId?.toLowerCase(),
        ...(note ? { note } : {}),
    };
}

function skippedEntry(environment: EnvironmentInfo, reasonCode: SkipReasonCode, reason: string, kept: boolean): SkippedEnvironment {
    return {
        id: environment.id,
        displayName: environment.displayName,
        kind: environment.sku,
        reasonCode,
        reason: kept ? `${reason}; what the stack granted there is kept as it is until then` : reason,
        kept,
    };
}

function deletedEntries(served: ServedEnvironments): SkippedEnvironment[] {
    return served.deleted.map((id) => ({
        id,
        displayName: served.inState.get(id)?.displayName ?? id,
        kind: "Unknown",
        reasonCode: "deleted",
        reason: DELETED_REASON,
        kept: false,
    }));
}

export function planEnvironments(
    selection: EnvironmentSelection,
    available: readonly EnvironmentInfo[],
    served: ServedEnvironments = NOTHING_SERVED,
): EnvironmentPlan {
    const byId = new Map(available.map((environment) => [normalizeId(environment.id), environment]));

    if (selection.kind === "all") {
        // A mistyped exclusion would silently leave in the environment it meant to leave out.
        const unknownExclusions = selection.exclude.filter((id) => !byId.has(id) && !served.deleted.includes(id));
        if (unknownExclusions.length > 0) {
            throw new EnvironmentSelectionError(
                unknownExclusions.map(
                    (id) =>
                        `${NAMESPACE}:excludeEnvironments: ${id} is not an environment of this tenant (mistyped, or deleted since), so it excludes nothing; ` +
                        `check the id in the Power Platform admin center, or remove it if the environment was deleted.`,
                ),
            );
        }
        const excluded = new Set(selection.exclude);
        const targets: EnvironmentTarget[] = [];
        const skipped: SkippedEnvironment[] = [];
        const held: HeldEnvironment[] = [];
        for (const environment of available) {
            const id = normalizeId(environment.id);
            if (excluded.has(id)) {
                skipped.push(skippedEntry(environment, "excluded", `listed in ${NAMESPACE}:excludeEnvironments`, false));
                continue;
            }
            const condition = unservableCondition(environment);
            if (!condition) {
                targets.push(toTarget(environment));
                continue;
            }
            const inState = served.inState.get(id);
            const kept = !!inState && (inState.user || inState.role);
            skipped.push(skippedEntry(environment, condition.code, condition.reason, kept));
            if (kept) {
                held.push({
                    id: environment.id,
                    displayName: environment.displayName,
                    securityGroupId: environment.securityGroupId?.toLowerCase(),
                    user: inState!.user,
                    role: inState!.role,
                    roleKeepsUser: inState!.roleKeepsUser,
                });
            }
        }
        return { targets, skipped: [...skipped, ...deletedEntries(served)], held };
    }

    const problems: string[] = [];
    const targets: EnvironmentTarget[] = [];
    for (const id of selection.ids) {
        const environment = byId.get(id);
        if (!environment) {
            problems.push(
                served.deleted.includes(id)
                    ? `${NAMESPACE}:environments: ${id} was deleted since the last update (Power Platform no longer knows it); remove it from the list, ` +
                          `and the next update drops its resources from the stack.`
                    : `${NAMESPACE}:environments: ${id} is not an environment of this tenant; check the id in the Power Platform ` +
                          `admin center (Environments → the environment → Environment ID) and that azuread:tenantId is this tenant's.`,
            );
            continue;
        }
        const condition = unservableCondition(environment);
        if (condition) {
            problems.push(
                `${NAMESPACE}:environments: ${id} ("${environment.displayName}") cannot be served [${condition.code}]: ${condition.reason}. ` +
                    (condition.temporary
                        ? `Run again once it is ready, or use ["*"], which skips it until then.`
                        : `Remove it from the list (with ["*"] such environments are skipped).`),
            );
            continue;
        }
        targets.push(toTarget(environment));
    }
    if (problems.length > 0) throw new EnvironmentSelectionError(problems);
    return { targets, skipped: deletedEntries({ ...served, deleted: served.deleted.filter((id) => !selection.ids.includes(id)) }), held: [] };
}

/** One line per skipped environment, for the preview and reports. */
export function describeSkipped(skipped: readonly SkippedEnvironment[]): string[] {
    return skipped.map(
        (entry) => `${entry.displayName === entry.id ? entry.id : `${entry.displayName} (${entry.id})`} skipped [${entry.reasonCode}]: ${entry.reason}.`,
    );
}

/** "teams 1, provisioning 1": how many environments each reason skipped, in the codes' own order. */
export function skippedByReasonCode(skipped: readonly SkippedEnvironment[]): string {
    return SKIP_REASON_CODES.map((code) => [code, skipped.filter((entry) => entry.reasonCode === code).length] as const)
        .filter(([, count]) => count > 0)
        .map(([code, count]) => `${code} ${count}`)
        .join(", ");
}
