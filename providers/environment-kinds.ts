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

/** Undefined when the environment can be served now; otherwise the reason it cannot. */
export function unservableCondition(environment: EnvironmentInfo): EnvironmentCondition | undefined {
    if (lower(environment.sku) === "teams") {
        return {
            code: "teams",
            temporary: false,
            reason:
                "a Dataverse for Teams environment: Microsoft gives no Web API access to Dataverse for Teams and admits only the team's members, " +
                "so neither this program nor a backup product can reach its data; upgrade it to Dataverse (admin center → Environments → " +
                "the environment → Upgrade) and the next update adds it",
        };
    }
    if (environment.provisioningState && lower(environment.provisioningState) !== "succeeded") {
        return {
            code: "provisioning",
            temporary: true,
            reason: `its Dataverse database is still being provisioned (provisioningState ${environment.provisioningState}); the next update adds it once it is ready`,
        };
    }
    if (!environment.dataverse) {
        return { code: "no-dataverse", temporary: false, reason: "no Dataverse database, so no Dynamics 365 data to back up" };
    }
    if (!SERVED_RUNTIME_STATES.has(lower(environment.state)) && lower(environment.state) !== "unknown") {
        return {
            code: "disabled",
            temporary: true,
            reason: `the environment is ${environment.state === "Disabled" ? "disabled" : `in runtime state ${environment.state}`}, so its Dataverse refuses everyone; enable it in the admin center and the next update adds it`,
        };
    }
    if (environment.instanceState && lower(environment.instanceState) !== "ready") {
        return {
            code: "not-ready",
            temporary: true,
            reason: `its Dataverse instance is not ready (instanceState ${environment.instanceState}); the next update adds it once it is`,
        };
    }
    if (environment.managementState && !IDLE_MANAGEMENT_STATES.has(lower(environment.managementState))) {
        return {
            code: "busy",
            temporary: true,
            reason: `an operation is running on the environment (management state ${environment.managementState}); the next update adds it once it is done`,
        };
    }
    return undefined;
}

/** What the account meets in an environment that is served, worth a line in the preview. */
export function servedNote(environment: EnvironmentInfo): string | undefined {
    const notes: string[] = [];
    if (lower(environment.state) === "adminmode") notes.push("in administration mode (only System Administrators and System Customizers sign in; the account is one)");
    if (environment.managed) notes.push("a managed environment");
    if (lower(environment.sku) === "developer") {
        notes.push(
            `a Developer environment${environment.owner?.userPrincipalName ? ` of ${environment.owner.userPrincipalName}` : ""} ` +
                "(meant for its owner: Power Platform may refuse to add anyone else, which then fails this environment alone)",
        );
    }
    return notes.length ? notes.join("; ") : undefined;
}
