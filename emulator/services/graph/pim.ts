// Graph: time-bound active role assignments (Entra PIM, roleManagement/directory).
//
//   POST roleAssignmentScheduleRequests   {action: adminAssign | adminUpdate | adminRemove, principalId, roleDefinitionId,
//                                          directoryScopeId, justification, scheduleInfo: {startDateTime?,
//                                          expiration: {type: afterDuration, duration} | {type: afterDateTime,
//                                          endDateTime} | {type: noExpiration}}}               -> 201 the request
//   GET  roleAssignmentScheduleInstances   what is active now (time-bound and permanent), $filter
//   GET  roleAssignmentSchedules           the same as schedules
//   GET  roleEligibilityScheduleInstances  eligible assignments (seed.roleEligibilitySchedules), $filter: the
//                                          principal may activate the role, it does not hold it
//
// An active time-bound assignment is a directory role assignment with an end: it shows
// in roleAssignments too until the tenant's clock passes its end (Tenant.clockNow). As in
// Entra: a tenant without Entra ID P2 is refused (400 AadPremiumLicenseRequired); a
// duplicate assignment is 400 RoleAssignmentExists; the default role settings require a
// justification for an active assignment. adminUpdate gives an active assignment (time-bound
// or permanent) a new schedule, keeping its id; nothing active is RoleAssignmentDoesNotExist.
import { DIRECTORY_ROLE_TEMPLATES } from "../../data/directory";
import { isPlainObject, jsonBody, RequestContext } from "../../core/http";
import { route } from "../../core/router";
import { randomGuid, roleAssignmentId } from "../../ids";
import { DirectoryRoleAssignment, RoleEligibility } from "../../seed/types";
import { ServiceDeps } from "../deps";
import { BLANK_ASSIGNMENT, collection, contextUrl, filterFrom, graphError, GraphRoute, notFound, ok, scopedRole } from "./common";

const V = "(v1\\.0|beta)";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** An ISO 8601 duration (PnDTnHnMnS) in milliseconds, or undefined when malformed or zero. */
export function durationMs(text: string): number | undefined {
    const m = DURATION.exec(text);
    if (!m || text === "P" || text.endsWith("T")) return undefined;
    const [days, hours, minutes, seconds] = m.slice(1).map((part) => Number(part ?? 0));
    const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
    return ms > 0 ? ms : undefined;
}

function expirationOf(a: DirectoryRoleAssignment): Record<string, unknown> {
    return a.endDateTime ? { type: "afterDateTime", endDateTime: a.endDateTime, duration: null } : { type: "noExpiration", endDateTime: null, duration: null };
}

/** What an instance and a schedule of one active assignment have in common. */
function activeAssignment(a: DirectoryRoleAssignment): Record<string, unknown> {
    return {
        ...scopedRole(a),
        assignmentType: "Assigned",
        memberType: "Direct",
    };
}

function instanceRepresentation(a: DirectoryRoleAssignment): Record<string, unknown> {
    return { ...activeAssignment(a), startDateTime: a.startDateTime, endDateTime: a.endDateTime, roleAssignmentOriginId: a.id, roleAssignmentScheduleId: a.id };
}

function eligibilityInstanceRepresentation(e: RoleEligibility): Record<string, unknown> {
    return {
        ...scopedRole(e),
        startDateTime: e.startDateTime,
        endDateTime: e.endDateTime,
        memberType: "Direct",
        roleEligibilityScheduleId: e.id,
    };
}

function scheduleRepresentation(a: DirectoryRoleAssignment): Record<string, unknown> {
    return {
        ...activeAssignment(a),
        createdUsing: a.id,
        status: "Provisioned",
        scheduleInfo: { startDateTime: a.startDateTime, recurrence: null, expiration: expirationOf(a) },
    };
}

export function pimRoutes(deps: ServiceDeps): GraphRoute[] {
    const { tenant } = deps;
    const base = `^/${V}/roleManagement/directory`;
    const licensed = (ctx: RequestContext) =>
        tenant.state.entraIdP2 ? undefined : graphError(ctx, 400, "AadPremiumLicenseRequired", "The tenant needs an AAD Premium 2 license.");

    /** A PIM list (licensed tenants only): every item $filter keeps, whole (these lists ignore $select here). */
    function list<T>(ctx: RequestContext, version: string, entitySet: string, entityType: string, items: T[], represent: (item: T) => Record<string, unknown>) {
        const refused = licensed(ctx);
        if (refused) return refused;
        const all = items.map(represent);
        const filter = filterFrom(ctx, entityType, represent(BLANK_ASSIGNMENT as T));
        return collection(deps, ctx, contextUrl(deps, version, `roleManagement/directory/${entitySet}`), filter ? all.filter(filter) : all);
    }
    const listActive = (
        ctx: RequestContext,
        version: string,
        entitySet: string,
        entityType: string,
        represent: (a: DirectoryRoleAssignment) => Record<string, unknown>,
    ) => list(ctx, version, entitySet, entityType, tenant.state.directoryRoleAssignments, represent);

    return [
        route("GET", new RegExp(`${base}/roleAssignmentScheduleInstances$`, "i"), (ctx, m) =>
            listActive(ctx, m[1], "roleAssignmentScheduleInstances", "microsoft.graph.unifiedRoleAssignmentScheduleInstance", instanceRepresentation),
        ),
        route("GET", new RegExp(`${base}/roleEligibilityScheduleInstances$`, "i"), (ctx, m) =>
            list(
                ctx,
                m[1],
                "roleEligibilityScheduleInstances",
                "microsoft.graph.unifiedRoleEligibilityScheduleInstance",
                tenant.state.roleEligibilitySchedules,
                eligibilityInstanceRepresentation,
            ),
        ),
        route("GET", new RegExp(`${base}/roleAssignmentSchedules$`, "i"), (ctx, m) =>
            listActive(ctx, m[1], "roleAssignmentSchedules", "microsoft.graph.unifiedRoleAssignmentSchedule", scheduleRepresentation),
        ),
        route("POST", new RegExp(`${base}/roleAssignmentScheduleRequests$`, "i"), async (ctx, m) => {
            const bad = (message: string) => graphError(ctx, 400, "BadRequest", message);
            const body = await jsonBody(ctx, (message) => bad(message));
            if (!isPlainObject(body)) return bad("The request body must be a JSON object.");
            const refused = licensed(ctx);
            if (refused) return refused;

            const action = body.action;
            if (action !== "adminAssign" && action !== "adminUpdate" && action !== "adminRemove") {
                return bad(`The action '${String(action)}' is not supported here; the emulator knows adminAssign, adminUpdate and adminRemove.`);
            }
            const principalId = typeof body.principalId === "string" ? body.principalId.toLowerCase() : "";
            if (!GUID.test(principalId)) return bad("Invalid value specified for property 'principalId' of resource 'UnifiedRoleAssignmentScheduleRequest'.");
            const roleDefinitionId = typeof body.roleDefinitionId === "string" ? body.roleDefinitionId.toLowerCase() : "";
            if (!DIRECTORY_ROLE_TEMPLATES.some((t) => t.id === roleDefinitionId)) {
                return bad("Invalid value specified for property 'roleDefinitionId' of resource 'UnifiedRoleAssignmentScheduleRequest'.");
            }
            const directoryScopeId = body.directoryScopeId ?? "/";
            if (directoryScopeId !== "/") return bad("Only the directory scope '/' is emulated for directoryScopeId.");
            if (!tenant.principal(principalId)) notFound(ctx, principalId);
            const justification = typeof body.justification === "string" ? body.justification.trim() : "";
            const active = tenant.state.directoryRoleAssignments.find(
                (a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId && a.directoryScopeId === "/",
            );
            const now = tenant.clockNow();

            if (action === "adminRemove") {
                if (!active) return graphError(ctx, 400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
                tenant.state.directoryRoleAssignments = tenant.state.directoryRoleAssignments.filter((a) => a !== active);
                return ok(
                    ctx,
                    201,
                    requestRepresentation(m[1], { action, principalId, roleDefinitionId, justification, status: "Revoked", target: active, now }),
                );
            }

            if (!justification) {
                return graphError(ctx, 400, "RoleAssignmentRequestPolicyValidationFailed", 'The following policy rules failed: ["JustificationRule"]');
            }
            if (action === "adminAssign" && active) return graphError(ctx, 400, "RoleAssignmentExists", "The Role assignment already exists.");
            if (action === "adminUpdate" && !active) return graphError(ctx, 400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
            const schedule = isPlainObject(body.scheduleInfo) ? body.scheduleInfo : undefined;
            const expiration = schedule && isPlainObject(schedule.expiration) ? schedule.expiration : undefined;
            if (!schedule || !expiration) return bad("scheduleInfo.expiration is required for adminAssign.");
            const start = schedule.startDateTime === undefined || schedule.startDateTime === null ? now : Date.parse(String(schedule.startDateTime));
            if (Number.isNaN(start)) return bad(`scheduleInfo.startDateTime '${String(schedule.startDateTime)}' is not a date and time.`);
            let end: number | null;
            if (expiration.type === "afterDuration") {
                const ms = typeof expiration.duration === "string" ? durationMs(expiration.duration) : undefined;
                if (!ms) return bad(`scheduleInfo.expiration.duration '${String(expiration.duration)}' is not an ISO 8601 duration such as PT4H.`);
                end = start + ms;
            } else if (expiration.type === "afterDateTime") {
                end = Date.parse(String(expiration.endDateTime));
                if (Number.isNaN(end) || end <= start) return bad("scheduleInfo.expiration.endDateTime must be a date and time after the start.");
            } else if (expiration.type === "noExpiration") {
                end = null;
            } else {
                return bad(`scheduleInfo.expiration.type '${String(expiration.type)}' is not one of afterDuration, afterDateTime, noExpiration.`);
            }
            const created: DirectoryRoleAssignment = {
                id: active?.id ?? roleAssignmentId(roleDefinitionId, principalId),
                principalId,
                roleDefinitionId,
                directoryScopeId: "/",
                startDateTime: new Date(start).toISOString(),
                endDateTime: end === null ? null : new Date(end).toISOString(),
            };
            tenant.state.directoryRoleAssignments = [...tenant.state.directoryRoleAssignments.filter((a) => a !== active), created];
            return ok(
                ctx,
                201,
                requestRepresentation(m[1], { action, principalId, roleDefinitionId, justification, status: "Provisioned", target: created, now }),
            );
        }),
    ];

    function requestRepresentation(
        version: string,
        r: {
            action: string;
            principalId: string;
            roleDefinitionId: string;
            justification: string;
            status: string;
            target: DirectoryRoleAssignment;
            now: number;
        },
    ): Record<string, unknown> {
        return {
            "@odata.context": contextUrl(deps, version, "roleManagement/directory/roleAssignmentScheduleRequests/$entity"),
            id: randomGuid(),
            action: r.action,
            principalId: r.principalId,
            roleDefinitionId: r.roleDefinitionId,
            directoryScopeId: "/",
            appScopeId: null,
            justification: r.justification,
            status: r.status,
            createdDateTime: new Date(r.now).toISOString(),
            completedDateTime: new Date(r.now).toISOString(),
            targetScheduleId: r.target.id,
            isValidationOnly: false,
            scheduleInfo: { startDateTime: r.target.startDateTime, recurrence: null, expiration: expirationOf(r.target) },
        };
    }
}
