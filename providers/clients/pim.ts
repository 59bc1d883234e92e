// Microsoft Graph PIM (Entra Privileged Identity Management): time-bound active
// directory role assignments.
//
//   GET  {graph}/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '{id}'
//        what is active now, time-bound (endDateTime) and permanent (endDateTime null)
//   POST {graph}/v1.0/roleManagement/directory/roleAssignmentScheduleRequests
//        adminAssign (new, with an expiration), adminUpdate (an active one gets a new
//        schedule), adminRemove (ends it now)
//
// PIM needs Microsoft Entra ID P2 (or Entra ID Governance) in the tenant: without it
// Graph answers 400 AadPremiumLicenseRequired. The operator needs the application
// permission RoleAssignmentSchedule.ReadWrite.Directory and the Privileged Role
// Administrator role.

import { ClientContext } from "../transport/context";
import { isAccessError } from "../transport/errors";
import { ApiAnswer, Explanation } from "../transport/http/request";
import { getAllGraphPages } from "./graph";

/** An active directory role assignment as PIM reports it. */
export interface ActiveRoleSchedule {
    readonly id: string;
    readonly roleDefinitionId: string;
    readonly directoryScopeId: string;
    /** ISO 8601; null when PIM does not know when it began (a permanent assignment). */
    readonly startDateTime: string | null;
    /** ISO 8601; null for a permanent assignment. */
    readonly endDateTime: string | null;
}

/** How long an elevation may last: long enough to create a connector, short enough to forget safely. */
export const MIN_ELEVATION_HOURS = 1;
export const MAX_ELEVATION_HOURS = 24;
/** Graph's limit for a schedule request's justification. */
export const MAX_JUSTIFICATION_LENGTH = 500;

export const PIM_LICENCE_CODE = "AadPremiumLicenseRequired";
export const PIM_PERMISSION = "RoleAssignmentSchedule.ReadWrite.Directory";

/** The fix for a tenant without Entra ID P2; the program's preview says the same. */
export const PIM_LICENCE_FIX =
    "time-bound Global Administrator needs Microsoft Entra ID P2 (or Entra ID Governance) in the tenant: " +
    "assign one such licence in the Microsoft 365 admin center, or unset d365-backup-access:elevationHours " +
    "to grant a permanent assignment that the operational stage removes.";

function explainPim(answer: ApiAnswer): Explanation | undefined {
    if (answer.code === PIM_LICENCE_CODE) {
        return { kind: "configuration", what: `The tenant has no Microsoft Entra ID P2 licence for PIM: ${answer.message}`, fix: PIM_LICENCE_FIX };
    }
    if (answer.status === 403) {
        return {
            fix:
                `the operator needs the Microsoft Graph application permission ${PIM_PERMISSION} (admin consent) ` +
                "and the Privileged Role Administrator role.",
        };
    }
    if (answer.code === "RoleAssignmentRequestPolicyValidationFailed") {
        return {
            fix:
                "the tenant's PIM settings for this role demand something an application cannot give (MFA, a ticket, an approval): " +
                "Entra admin center → Identity Governance → Privileged Identity Management → Microsoft Entra roles → Settings → " +
                "the role → Assignment: for active assignments require only a justification.",
        };
    }
    return undefined;
}

/** The principal's active role assignments (all pages). */
export async function listActiveRoleSchedules(ctx: ClientContext, principalId: string): Promise<ActiveRoleSchedule[]> {
    const filter = encodeURIComponent(`principalId eq '${principalId.toLowerCase()}'`);
    const raw = await getAllGraphPages(
        ctx,
        `roleManagement/directory/roleAssignmentScheduleInstances?$filter=${filter}`,
        "read the account's active role assignments (PIM)",
        explainPim,
    );
    return raw.map((entry) => ({
        id: String(entry?.roleAssignmentScheduleId ?? entry?.id ?? ""),
        roleDefinitionId: String(entry?.roleDefinitionId ?? "").toLowerCase(),
        directoryScopeId: String(entry?.directoryScopeId ?? ""),
        startDateTime: typeof entry?.startDateTime === "string" ? entry.startDateTime : null,
        endDateTime: typeof entry?.endDateTime === "string" ? entry.endDateTime : null,
    }));
}

/** The tenant-wide active assignment of one role, if the principal holds it. */
export async function findActiveRoleSchedule(ctx: ClientContext, principalId: string, roleId: string): Promise<ActiveRoleSchedule | undefined> {
    const schedules = await listActiveRoleSchedules(ctx, principalId);
    return schedules.find((s) => s.roleDefinitionId === roleId.toLowerCase() && s.directoryScopeId === "/");
}

export interface RoleScheduleRequest {
    readonly action: "adminAssign" | "adminUpdate" | "adminRemove";
    readonly principalId: string;
    readonly roleId: string;
    readonly justification: string;
    /** For adminAssign and adminUpdate: how long from now. */
    readonly hours?: number;
}

/** The outcome of a request Graph refused because there was nothing to change. */
export type RequestOutcome = "done" | "already-exists" | "does-not-exist";

/** Sends one schedule request; "already exists" and "does not exist" are outcomes, not errors. */
export async function requestRoleSchedule(ctx: ClientContext, request: RoleScheduleRequest): Promise<RequestOutcome> {
    const body: Record<string, unknown> = {
        action: request.action,
        principalId: request.principalId.toLowerCase(),
        roleDefinitionId: request.roleId.toLowerCase(),
        directoryScopeId: "/",
        justification: request.justification,
    };
    if (request.hours !== undefined) {
        body.scheduleInfo = { startDateTime: null, expiration: { type: "afterDuration", duration: `PT${request.hours}H` } };
    }
    try {
        await ctx.http.send({
            service: "graph",
            method: "POST",
            url: `${ctx.endpoints.graph}/v1.0/roleManagement/directory/roleAssignmentScheduleRequests`,
            audience: ctx.endpoints.graphAudience,
            body,
            call: `PIM ${request.action}`,
            explain: explainPim,
        });
        return "done";
    } catch (error) {
        if (isAccessError(error) && error.code === "RoleAssignmentExists") return "already-exists";
        if (isAccessError(error) && error.code === "RoleAssignmentDoesNotExist") return "does-not-exist";
        throw error;
    }
}

/** True for the error a tenant without Entra ID P2 gives. */
export function isPimLicenceError(error: unknown): boolean {
    return isAccessError(error) && error.code === PIM_LICENCE_CODE;
}
