// What an environment's kind and state do to its Dataverse Web API, before any route:
//
//   deleted                      404: the organisation is gone
//   Dataverse for Teams          403: no direct API access
//   disabled                     403: "…organization you are attempting to access is currently disabled"
//   still provisioning/not ready 503: the organisation is not there yet
//   freshly provisioned          403 0x80072560 for a caller's first N requests
//   administration mode          403 unless the caller is an application user, a System
//                                Administrator or a System Customizer
//
// Statuses and codes are the emulator's choice where the service's are not on record
// (see each reply); the messages quote the service where a quotation exists.
import { Reply, RequestContext } from "../../core/http";
import { SYSTEM_ADMINISTRATOR_TEMPLATE_ID } from "../../data/standard-roles";
import { Environment, SystemUser } from "../../seed/types";
import { Tenant } from "../../tenant/tenant";
import { dataverseError } from "./query";
import { heldRoles } from "./records";

const SYSTEM_CUSTOMIZER_TEMPLATE_ID = "119f245c-3cc8-4b62-b31c-d1a046ced15d";

/**
 * A deleted environment's host (or one not created yet) answers without looking at the token. The real host name
 * stops resolving at some point; until then the shared front end knows no such
 * organisation. 404 (assumed) tells a client the organisation is gone rather than that
 * it lacks a right, which a 401/403 would suggest.
 */
export function deletedOrganisation(ctx: RequestContext, environmentId: string): Reply {
    return dataverseError(
        ctx,
        404,
        "0x80040217",
        `The organization of environment '${environmentId}' does not exist: the environment was deleted, or is not created yet.`,
    );
}

/**
 * Dataverse for Teams has "no direct API access"; pac gets "'RetrieveOrganizationInfo'
 * is only allowed to be accessed from OData endpoint in Dataverse for Teams offering".
 * 403 (assumed): the caller is authenticated, the offering refuses it — a 401 would make
 * clients fetch another token and try again, which can never help.
 */
function teamsRefusal(ctx: RequestContext): Reply {
    const operation = ctx.path.replace(/^\/api\/data\/v9\.\d\/?/, "").split(/[/(?]/)[0] || "RetrieveOrganizationInfo";
    return dataverseError(
        ctx,
        403,
        "0x80040220",
        `'${operation}' is only allowed to be accessed from OData endpoint in Dataverse for Teams offering: no direct API access to Dataverse for Teams is provided.`,
    );
}

/** The message and code are those reported from the service (coe-starter-kit#10381); the status is assumed. */
function disabledRefusal(ctx: RequestContext): Reply {
    return dataverseError(
        ctx,
        403,
        "0x8004a104",
        "The Dynamics 365 organization you are attempting to access is currently disabled. Please contact your system administrator.",
    );
}

/** No organisation yet (assumed 503: try again later is the right reaction; no Retry-After, as none is on record). */
function notReadyRefusal(ctx: RequestContext, env: Environment): Reply {
    const state = env.provisioningState !== "Succeeded" ? `provisioning state ${env.provisioningState}` : `instance state ${env.instanceState}`;
    return dataverseError(ctx, 503, "0x80040216", `The organization of environment '${env.id}' is not ready (${state}). Try again later.`);
}

/** Refusals that depend on the environment alone, checked after the token and before the caller's membership. */
export function environmentRefusal(ctx: RequestContext, tenant: Tenant, env: Environment, callerOid: string): Reply | undefined {
    if (env.sku === "Teams") return teamsRefusal(ctx);
    if (env.runtimeState === "Disabled") return disabledRefusal(ctx);
    if (env.provisioningState !== "Succeeded" || env.instanceState !== "Ready") return notReadyRefusal(ctx, env);
    if (env.callerProvisionedAfterRequests > 0 && tenant.countCallerRequest(env.id, callerOid) <= env.callerProvisionedAfterRequests) {
        // What a freshly provisioned organisation answers until the caller is provisioned in it.
        return dataverseError(ctx, 403, "0x80072560", "The user is not a member of the organization.");
    }
    return undefined;
}

/** Administration mode: only System Administrators and System Customizers sign in; application users are not stopped. */
export function adminModeRefusal(ctx: RequestContext, env: Environment, member: SystemUser): Reply | undefined {
    if (env.runtimeState !== "AdminMode" || member.applicationId !== undefined) return undefined;
    const allowed = heldRoles(env.id, member).some(
        (r) => r.roleTemplateId === SYSTEM_ADMINISTRATOR_TEMPLATE_ID || r.roleTemplateId === SYSTEM_CUSTOMIZER_TEMPLATE_ID,
    );
    if (allowed) return undefined;
    // Status and code assumed; the rule is the documented one (admin-mode.md).
    return dataverseError(
        ctx,
        403,
        "0x80040220",
        `The organization of environment '${env.id}' is in administration mode: only users with the System Administrator or System Customizer security role can access it, and user ${member.systemUserId} has neither.`,
    );
}
