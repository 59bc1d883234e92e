// Whether an environment can be served now, decided from BAP's own fields (the kinds and
// states in MICROSOFT-APIS.md, "Environment kinds and states"), and why not. One
// decision for the program (which environments get the account), the providers (what a
// refresh can observe) and the commands that report on a tenant (fleet status, doctor).
//
// Served: Production, Sandbox, Trial, Default, Developer (tried: its owner may be the
// only user Power Platform admits, and that refusal is reported for it alone), managed
// environments and administration mode (the account, a System Administrator, may sign
// in there). Not served, each with a code a machine reads and a sentence a person does:
// Dataverse for Teams, no Dataverse, Dataverse still provisioning, instance not ready,
// an operation running, disabled. "Not now" reasons are temporary: the next update adds
// the environment once BAP says it is ready.

import { accessError, AccessError } from "../transport/errors";
import { NAMESPACE } from "../transport/settings/keys";
import type { EnvironmentInfo } from "./bap";

/** Why an environment is not a target; stable: outputs and reports carry it. */
export type SkipReasonCode = "teams" | "no-dataverse" | "provisioning" | "not-ready" | "busy" | "disabled" | "excluded" | "deleted";

export const SKIP_REASON_CODES: readonly SkipReasonCode[] = ["teams", "no-dataverse", "provisioning", "not-ready", "busy", "disabled", "excluded", "deleted"];

export interface EnvironmentCondition {
    readonly code: SkipReasonCode;
    readonly reason: string;
    /** True when the environment becomes servable by itself (the next update adds it). */
    readonly temporary: boolean;
}

/** Runtime states in which the account can work: Enabled, and administration mode for System Administrators. */
const SERVED_RUNTIME_STATES = new Set(["enabled", "adminmode"]);
/** Management states of an environment no operation is running on (a recorded Developer environment says NotSpecified). */
const IDLE_MANAGEMENT_STATES = new Set(["ready", "notspecified"]);

const lower = (value: string | undefined): string => (value ?? "").toLowerCase();

/** " (<field> <value>)" when BAP gave the field a value other than the usual one; "" otherwise. */
function seen(field: string, value: string | undefined, usual: (lowerCased: string) => boolean): string {
    return value && !usual(lower(value)) ? ` (${field} ${value})` : "";
}

/** The conditions an environment itself can be in; "excluded" and "deleted" are the program's and BAP's 404. */
export type EnvironmentConditionCode = Exclude<SkipReasonCode, "excluded" | "deleted">;

/**
 * Each condition's sentence, from the environment's fields where they tell more. Also
 * used when a service's refusal, rather than BAP's fields, revealed the condition (a
 * state changed after the environments were listed): then the fields may still say
 * otherwise, and only a field that agrees is quoted.
 */
const CONDITIONS: Record<EnvironmentConditionCode, (environment: EnvironmentInfo) => EnvironmentCondition> = {
    teams: () => ({
        code: "teams",
        temporary: false,
        reason:
            "a Dataverse for Teams environment: Microsoft gives no Web API access to Dataverse for Teams and admits only the team's members, " +
            "so neither this program nor a backup product can reach its data; upgrade it to Dataverse (admin center → Environments → " +
            "the environment → Upgrade) and the next update adds it",
    }),
    provisioning: (environment) => ({
        code: "provisioning",
        temporary: true,
        reason:
            `its Dataverse database is still being provisioned${seen("provisioningState", environment.provisioningState, (v) => v === "succeeded")}; ` +
            "the next update adds it once it is ready",
    }),
    "no-dataverse": () => ({ code: "no-dataverse", temporary: false, reason: "no Dataverse database, so no Dynamics 365 data to back up" }),
    disabled: (environment) => ({
        code: "disabled",
        temporary: true,
        reason: `the environment is ${
            SERVED_RUNTIME_STATES.has(lower(environment.state)) || lower(environment.state) === "disabled" || lower(environment.state) === "unknown"
                ? "disabled"
                : `in runtime state ${environment.state}`
        }, so its Dataverse refuses everyone; enable it in the admin center and the next update adds it`,
    }),
    "not-ready": (environment) => ({
        code: "not-ready",
        temporary: true,
        reason:
            `its Dataverse instance is not ready${seen("instanceState", environment.instanceState, (v) => v === "ready")}; ` +
            "the next update adds it once it is",
    }),
    busy: (environment) => ({
        code: "busy",
        temporary: true,
        reason:
            `an operation is running on the environment${seen("management state", environment.managementState, (v) => IDLE_MANAGEMENT_STATES.has(v))}; ` +
            "the next update adds it once it is done",
    }),
};

export function isConditionCode(code: string): code is EnvironmentConditionCode {
    return Object.prototype.hasOwnProperty.call(CONDITIONS, code);
}

/** The condition `code` names, worded for the environment. */
export function conditionOf(code: EnvironmentConditionCode, environment: EnvironmentInfo): EnvironmentCondition {
    return CONDITIONS[code](environment);
}

/** Undefined when the environment can be served now; otherwise the reason it cannot. */
export function unservableCondition(environment: EnvironmentInfo): EnvironmentCondition | undefined {
    if (lower(environment.sku) === "teams") return conditionOf("teams", environment);
    if (environment.provisioningState && lower(environment.provisioningState) !== "succeeded") return conditionOf("provisioning", environment);
    if (!environment.dataverse) return conditionOf("no-dataverse", environment);
    if (!SERVED_RUNTIME_STATES.has(lower(environment.state)) && lower(environment.state) !== "unknown") return conditionOf("disabled", environment);
    if (environment.instanceState && lower(environment.instanceState) !== "ready") return conditionOf("not-ready", environment);
    if (environment.managementState && !IDLE_MANAGEMENT_STATES.has(lower(environment.managementState))) return conditionOf("busy", environment);
    return undefined;
}

/** What a resource was doing when it met the condition. */
export type EnvironmentOperation = "create" | "update" | "delete";

/** The service's answer that revealed the condition, when a refusal did rather than BAP's fields. */
export interface RefusalAnswer {
    readonly call?: string;
    readonly status?: number;
    readonly code?: string;
    /** The service's own words. */
    readonly said?: string;
}

/**
 * The error for a create, update or delete in an environment that cannot be served: it
 * names the environment (id and display name), the reason code and the sentence, and
 * says that nothing was changed there. It is raised before anything is sent to the
 * environment (or as soon as a refusal shows the condition), never after a wait: no wait
 * makes a disabled or Teams environment servable within one update.
 */
export function unservableError(
    environment: Pick<EnvironmentInfo, "id" | "displayName">,
    condition: EnvironmentCondition,
    operation: EnvironmentOperation,
    answer: RefusalAnswer = {},
): AccessError {
    const said = answer.said ? ` (${answer.said.replace(/[.\s]+$/, "")})` : "";
    // An environment without Dataverse keeps the kind it always had.
    const kind = condition.code === "no-dataverse" ? "no-dataverse" : "environment-unavailable";
    if (operation === "delete") {
        return accessError(kind, {
            what: `The access this stack gave in this environment cannot be given back now [${condition.code}]: ${condition.reason}${said}`,
            environmentId: environment.id,
            environmentName: environment.displayName,
            reasonCode: condition.code,
            ...answer,
            fix:
                "nothing was changed there. Run the command again once the environment can be served; if it never will be and " +
                "the role may stay with the account, `pulumi state delete <the resource's URN>` drops the resource from the stack.",
        });
    }
    return accessError(kind, {
        what: `The environment cannot be served ${condition.temporary ? "now " : ""}[${condition.code}]: ${condition.reason}${said}`,
        environmentId: environment.id,
        environmentName: environment.displayName,
        reasonCode: condition.code,
        ...answer,
        fix:
            "nothing was changed there; its state changed after this update listed the environments. Run `pulumi up` again: " +
            (condition.temporary
                ? `with ["*"] the environment is skipped until it can be served, then added; an environment named in ${NAMESPACE}:environments stops the update until then.`
                : `with ["*"] the environment is skipped; if ${NAMESPACE}:environments names it, remove it from the list.`),
    });
}

/** What the account meets in an environment that is served, worth a line in the preview. */
export function servedNote(environment: EnvironmentInfo): string | undefined {
    const notes: string[] = [];
    if (lower(environment.state) === "adminmode")
        notes.push("in administration mode (only System Administrators and System Customizers sign in; the account is one)");
    if (environment.managed) notes.push("a managed environment");
    if (lower(environment.sku) === "developer") {
        notes.push(
            `a Developer environment${environment.owner?.userPrincipalName ? ` of ${environment.owner.userPrincipalName}` : ""} ` +
                "(meant for its owner: Power Platform may refuse to add anyone else, which then fails this environment alone)",
        );
    }
    return notes.length ? notes.join("; ") : undefined;
}
