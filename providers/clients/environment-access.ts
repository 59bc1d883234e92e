// What a resource does with its environment around the calls to its Dataverse.
//
// Before: the environment is looked up in the listing the provider process shares
// (findEnvironment) and judged by its BAP fields (environment-kinds.ts):
//   - create and update need an environment that can be served now; one that cannot
//     (Teams, disabled, provisioning, not ready, busy, no Dataverse) is an error at once
//     that names it and the reason, before anything is sent to it;
//   - read and delete learn where a stored resource's environment stands: deleted (BAP
//     404: the resource is gone), cannot be served now (a read keeps the stored state,
//     a delete cannot give anything back), or served.
// After a failed call: the listing is from the start of the command, and an environment
// can be deleted, disabled or put into an operation since. When a failure may be the
// environment's (its Dataverse refused for the environment's sake, answered not found,
// could not be reached or kept failing), BAP is asked once more about this one
// environment, and a change is reported as such rather than as the call's failure.

import { ClientContext } from "../transport/context";
import { accessError, AccessError, isAccessError, ownWords } from "../transport/errors";
import { NAMESPACE } from "../transport/settings/keys";
import { DataverseTarget, dataverseTarget, EnvironmentInfo, findEnvironment, getEnvironment, readEnvironment } from "./bap";
import {
    conditionOf,
    EnvironmentCondition,
    EnvironmentOperation,
    isConditionCode,
    RefusalAnswer,
    unservableCondition,
    unservableError,
} from "./environment-kinds";

export interface ServedEnvironment {
    readonly environment: EnvironmentInfo;
    readonly target: DataverseTarget;
}

/** Where a stored resource's environment stands now. */
export type EnvironmentStanding =
    | ({ readonly standing: "served" } & ServedEnvironment)
    | { readonly standing: "deleted" }
    | { readonly standing: "unservable"; readonly environment: EnvironmentInfo; readonly condition: EnvironmentCondition };

/** The environment of a create or update: known, and servable now; otherwise an error, before anything is sent to it. */
export async function servableEnvironment(ctx: ClientContext, environmentId: string, operation: EnvironmentOperation): Promise<ServedEnvironment> {
    const environment = await getEnvironment(ctx, environmentId);
    const condition = unservableCondition(environment);
    if (condition) throw unservableError(environment, condition, operation);
    return { environment, target: dataverseTarget(environment) };
}

/** Where the environment of a read or delete stands, from the listing (an id it lacks is asked for on its own). */
export async function environmentStanding(ctx: ClientContext, environmentId: string): Promise<EnvironmentStanding> {
    const environment = await findEnvironment(ctx, environmentId);
    if (!environment) return { standing: "deleted" };
    const condition = unservableCondition(environment);
    if (condition) return { standing: "unservable", environment, condition };
    return { standing: "served", environment, target: dataverseTarget(environment) };
}

/**
 * Runs a read's or delete's calls in a served environment. A failure the environment may
 * explain is checked with BAP: a deleted environment or one that cannot be served now is
 * returned as such; any other failure is raised as it was.
 */
export async function inEnvironment<T>(
    ctx: ClientContext,
    served: ServedEnvironment,
    calls: () => Promise<T>,
): Promise<{ readonly standing: "served"; readonly value: T } | Exclude<EnvironmentStanding, { standing: "served" }>> {
    try {
        return { standing: "served", value: await calls() };
    } catch (error) {
        const changed = await standingAfter(ctx, served, error);
        if (!changed) throw error;
        return changed;
    }
}

/**
 * Runs a create's or update's calls in a served environment. When they fail and BAP says
 * the environment was deleted or cannot be served now, that is the error, at once.
 */
export async function inServableEnvironment<T>(
    ctx: ClientContext,
    served: ServedEnvironment,
    operation: EnvironmentOperation,
    calls: () => Promise<T>,
): Promise<T> {
    try {
        return await calls();
    } catch (error) {
        const changed = await standingAfter(ctx, served, error);
        if (!changed) throw error;
        if (changed.standing === "deleted") throw deletedEnvironmentError(served.environment);
        // A refusal that already names the environment and its condition (addUser's) says it best.
        if (isAccessError(error, "environment-unavailable") && error.environmentName !== undefined) throw error;
        throw unservableError(changed.environment, changed.condition, operation, answerOf(error as AccessError));
    }
}

/** What the log says when a read keeps a resource's stored state. */
export function keptStateNote(environment: Pick<EnvironmentInfo, "id" | "displayName">, condition: EnvironmentCondition, what: string): string {
    return (
        `Environment ${environment.id} ("${environment.displayName}") cannot be served now [${condition.code}]: ${condition.reason}. ` +
        `${what} is kept as stored; nothing was read there.`
    );
}

/** Whether a failure may be the environment's rather than the call's: worth asking BAP about. */
function mayBeTheEnvironment(error: unknown, target: DataverseTarget): error is AccessError {
    if (!isAccessError(error)) return false;
    if (error.kind === "environment-unavailable" || error.kind === "unknown-environment") return true;
    // Its Dataverse answered "not found", or nothing usable: the host of a deleted one stops
    // resolving, one not ready keeps answering 503 until the retries run out. (Not BAP's own
    // failures: asking BAP again would only repeat them.)
    return (error.status === undefined || error.status === 404) && (error.call ?? "").includes(new URL(target.instanceUrl).origin);
}

async function standingAfter(
    ctx: ClientContext,
    served: ServedEnvironment,
    error: unknown,
): Promise<Exclude<EnvironmentStanding, { standing: "served" }> | undefined> {
    if (!mayBeTheEnvironment(error, served.target)) return undefined;
    let now: EnvironmentInfo | undefined;
    try {
        // Not the shared listing: that is what may be out of date.
        now = await readEnvironment(ctx, served.environment.id);
    } catch {
        return undefined;
    }
    if (!now) return { standing: "deleted" };
    const condition = unservableCondition(now) ?? refusalCondition(error, now);
    return condition ? { standing: "unservable", environment: now, condition } : undefined;
}

/** The condition a refusal of the environment itself names (Dataverse or Power Platform said so before BAP's fields did). */
function refusalCondition(error: AccessError, environment: EnvironmentInfo): EnvironmentCondition | undefined {
    if (error.kind !== "environment-unavailable" || !error.reasonCode) return undefined;
    return isConditionCode(error.reasonCode) ? conditionOf(error.reasonCode, environment) : undefined;
}

function answerOf(error: AccessError): RefusalAnswer {
    return { call: error.call, status: error.status, code: error.code, said: ownWords(error) };
}

/** A create or update whose environment BAP no longer knows (404) since the environments were listed. */
export function deletedEnvironmentError(environment: Pick<EnvironmentInfo, "id" | "displayName">) {
    return accessError("unknown-environment", {
        what: "Power Platform no longer knows this environment: it was deleted after this update listed the environments",
        environmentId: environment.id,
        environmentName: environment.displayName,
        reasonCode: "deleted",
        fix:
            `nothing more was changed there. Run \`pulumi up\` again: with ["*"] the environment is not listed any more and its ` +
            `resources leave the stack; if ${NAMESPACE}:environments names it, remove it from the list.`,
    });
}
