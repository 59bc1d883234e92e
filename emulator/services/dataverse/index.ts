// The Dataverse Web API of one environment (its own origin): systemusers, roles,
// businessunits, role association through $ref, WhoAmI — with the service protection
// limits (concurrent requests and requests per window, per caller) and the rules that
// bite clients: callers must be users of the organisation, role changes need the
// System Administrator role, disabled users cannot get roles (0x80040225), and a role
// already held cannot be associated again (412, 0x80040237); and what the environment's
// kind and state refuse (environment-gate.ts).
import { authenticateBearer } from "../../auth/bearer";
import { header, isPlainObject, jsonBody, Reply, RequestContext } from "../../core/http";
import { Admission, ServiceHandler } from "../../core/origin";
import { dispatch, route } from "../../core/router";
import { ConcurrencyGate } from "../../core/throttle";
import { SYSTEM_ADMINISTRATOR_TEMPLATE_ID } from "../../data/standard-roles";
import { derivedGuid } from "../../ids";
import { Environment, SystemUser } from "../../seed/types";
import { organizationId, roleById, rootBusinessUnitId } from "../../tenant/dataverse-catalog";
import { dataverseAudience, ServiceDeps, unknownRoute } from "../deps";
import { KeyedLimiter, limiterFor } from "../throttling";
import { BUSINESSUNIT_COLUMNS, BUSINESSUNIT_GUID_COLUMNS, ROLE_COLUMNS, ROLE_GUID_COLUMNS, SYSTEMUSER_COLUMNS, SYSTEMUSER_GUID_COLUMNS } from "./columns";
import {
    applySelect,
    collectionReply,
    compileDataverseFilter,
    contextFragment,
    DATAVERSE_CONTENT_TYPE,
    dataverseError,
    fail,
    ok,
    parseExpand,
    selectedColumns,
    TableSchema,
} from "./query";
import { adminModeRefusal, deletedOrganisation, environmentRefusal } from "./environment-gate";
import { allRoleRecords, businessUnitRecord, heldRoles, roleRecord, systemUserRecord } from "./records";

const SYSTEMUSER: TableSchema = {
    entityType: "Microsoft.Dynamics.CRM.systemuser",
    entitySet: "systemusers",
    primaryKey: "systemuserid",
    columns: SYSTEMUSER_COLUMNS,
    guidColumns: SYSTEMUSER_GUID_COLUMNS,
};
const ROLE: TableSchema = {
    entityType: "Microsoft.Dynamics.CRM.role",
    entitySet: "roles",
    primaryKey: "roleid",
    columns: ROLE_COLUMNS,
    guidColumns: ROLE_GUID_COLUMNS,
};
const BUSINESSUNIT: TableSchema = {
    entityType: "Microsoft.Dynamics.CRM.businessunit",
    entitySet: "businessunits",
    primaryKey: "businessunitid",
    columns: BUSINESSUNIT_COLUMNS,
    guidColumns: BUSINESSUNIT_GUID_COLUMNS,
};
const ROLES_NAV = "systemuserroles_association";
const API = "^/api/data/v9\\.[0-2]";
const GUID = "([0-9a-fA-F-]{36})";

const STATUS_CODES: Record<number, [string, string]> = {
    400: ["0x80040203", "Invalid argument."],
    401: ["0x80072560", "The access token is invalid."],
    403: ["0x80040220", "The caller does not have the privilege to perform this action."],
    404: ["0x80040217", "The requested record was not found."],
    412: ["0x80060882", "The version of the existing record doesn't match the RowVersion property provided."],
    429: ["0x80072322", "Number of requests exceeded the limit."],
    500: ["0x80040216", "An unexpected error occurred."],
    502: ["0x80040216", "Bad gateway."],
    503: ["0x80040216", "The service is temporarily unavailable."],
    504: ["0x80040216", "The request timed out."],
};

export function dataverseService(deps: ServiceDeps, environmentId: string): ServiceHandler {
    const { tenant } = deps;
    const env = (): Environment => tenant.environment(environmentId) as Environment;
    const instanceUrl = () => deps.endpoints.dataverse[environmentId];
    const metadata = (fragment: string) => `${instanceUrl()}api/data/v9.2/$metadata#${fragment}`;
    let requestLimiter: KeyedLimiter | undefined;
    let gate: { limit: number; gate: ConcurrencyGate } | undefined;

    const findUser = (ctx: RequestContext, id: string): SystemUser =>
        tenant.systemUsers(environmentId).find((s) => s.systemUserId === id.toLowerCase()) ??
        fail(ctx, 404, "0x80040217", `systemuser With Id = ${id} Does Not Exist`);

    const callerUser = (ctx: RequestContext): SystemUser =>
        tenant.systemUsers(environmentId).find((s) => s.azureActiveDirectoryObjectId === ctx.caller?.oid) as SystemUser;

    function requirePrivilege(ctx: RequestContext, privilege: string, entity: string, otc: number): void {
        const caller = callerUser(ctx);
        if (heldRoles(environmentId, caller).some((r) => r.roleTemplateId === SYSTEM_ADMINISTRATOR_TEMPLATE_ID)) return;
        fail(
            ctx,
            403,
            "0x80040220",
            `Principal user (Id=${caller.systemUserId}, type=8, roleCount=${heldRoles(environmentId, caller).length}), is missing ${privilege} privilege on OTC=${otc} for entity '${entity}'. Assign the System Administrator role to this user.`,
        );
    }

    function userRecordWithExpand(ctx: RequestContext, user: SystemUser, columns: string[] | undefined): Record<string, unknown> {
        const record = applySelect(SYSTEMUSER, systemUserRecord(tenant, env(), user), columns);
        for (const expansion of parseExpand(ctx, SYSTEMUSER, ctx.query.get("$expand"), [ROLES_NAV])) {
            const roleColumns = selectedColumns(ctx, ROLE, expansion.select ?? null);
            record[ROLES_NAV] = heldRoles(environmentId, user).map((r) => applySelect(ROLE, roleRecord(env(), r), roleColumns));
        }
        return record;
    }

    /** The roleid a $ref body or $id parameter points at: …/roles({guid}). */
    function referencedRoleId(ctx: RequestContext, ref: unknown): string {
        const match = typeof ref === "string" ? ref.match(/roles\(([0-9a-fA-F-]{36})\)\/?$/) : null;
        if (!match)
            fail(
                ctx,
                400,
                "0x80060888",
                `The URI '${typeof ref === "string" ? ref : ""}' in @odata.id is not a valid reference to a role; expected {instanceUrl}api/data/v9.2/roles({roleid}).`,
            );
        return match[1].toLowerCase();
    }

    function disassociate(ctx: RequestContext, userId: string, roleId: string): Reply {
        const user = findUser(ctx, userId);
        requirePrivilege(ctx, "prvAssignRole", "role", 1036);
        const role = roleById(environmentId, roleId) ?? fail(ctx, 404, "0x80040217", `role With Id = ${roleId} Does Not Exist`);
        // removing an association that does not exist is not an error
        if (role.businessUnitId !== rootBusinessUnitId(environmentId)) {
            user.childUnitRoleTemplateIds = (user.childUnitRoleTemplateIds ?? []).filter((t) => t !== role.roleTemplateId);
            return ok(ctx, 204);
        }
        user.roleTemplateIds = user.roleTemplateIds.filter((t) => t !== role.roleTemplateId);
        user.roleNames = user.roleNames.filter((n) => n !== role.name);
        return ok(ctx, 204);
    }

    const routes = [
        route("GET", new RegExp(`${API}/systemusers$`), (ctx) => {
            const columns = selectedColumns(ctx, SYSTEMUSER, ctx.query.get("$select"));
            const filter = compileDataverseFilter(ctx, SYSTEMUSER, ctx.query.get("$filter"));
            const users = tenant.systemUsers(environmentId).filter((u) => !filter || filter(systemUserRecord(tenant, env(), u)));
            return collectionReply(
                ctx,
                metadata(contextFragment(SYSTEMUSER, columns, false)),
                users.map((u) => userRecordWithExpand(ctx, u, columns)),
            );
        }),
        route("GET", new RegExp(`${API}/systemusers\\(${GUID}\\)$`), (ctx, m) => {
            const columns = selectedColumns(ctx, SYSTEMUSER, ctx.query.get("$select"));
            return ok(ctx, 200, {
                "@odata.context": metadata(contextFragment(SYSTEMUSER, columns, true)),
                ...userRecordWithExpand(ctx, findUser(ctx, m[1]), columns),
            });
        }),
        route("GET", new RegExp(`${API}/systemusers\\(azureactivedirectoryobjectid=${GUID}\\)$`), (ctx, m) => {
            // The alternate-key form makes Dataverse create the user when it is missing —
            // a side effect reproduced here, because clients must not use it for reads.
            const oid = m[1].toLowerCase();
            let user = tenant.systemUsers(environmentId).find((s) => s.azureActiveDirectoryObjectId === oid);
            if (!user) {
                const principal = tenant.principal(oid);
                if (!principal) fail(ctx, 404, "0x80040217", `systemuser With Id = ${oid} Does Not Exist`);
                deps.warn(
                    `[emulator] dataverse ${environmentId}: GET systemusers(azureactivedirectoryobjectid=${oid}) created the user as a side effect, as the real service does. Read users with $filter instead.`,
                );
                user = {
                    azureActiveDirectoryObjectId: oid,
                    systemUserId: derivedGuid("systemuser", environmentId, oid),
                    accessMode: principal.kind === "user" && tenant.dynamicsLicence(oid, environmentId) === "ready" ? 0 : 1,
                    isDisabled: principal.kind === "user" ? !principal.user.accountEnabled : false,
                    roleTemplateIds: [],
                    roleNames: [],
                };
                tenant.systemUsers(environmentId).push(user);
            }
            const columns = selectedColumns(ctx, SYSTEMUSER, ctx.query.get("$select"));
            return ok(ctx, 200, { "@odata.context": metadata(contextFragment(SYSTEMUSER, columns, true)), ...userRecordWithExpand(ctx, user, columns) });
        }),
        route("PATCH", new RegExp(`${API}/systemusers\\(${GUID}\\)$`), async (ctx, m) => {
            const user = findUser(ctx, m[1]);
            requirePrivilege(ctx, "prvWriteUser", "systemuser", 8);
            const body = await jsonBody(ctx, (message) => dataverseError(ctx, 400, "0x80040203", message));
            if (!isPlainObject(body)) fail(ctx, 400, "0x80040203", "The request body must be a JSON object.");
            const ifMatch = header(ctx, "if-match");
            const current = systemUserRecord(tenant, env(), user)["@odata.etag"];
            if (ifMatch && ifMatch !== "*" && ifMatch !== current)
                fail(ctx, 412, "0x80060882", "The version of the existing record doesn't match the RowVersion property provided.");
            for (const [column, value] of Object.entries(body)) {
                if (column === "accessmode") {
                    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 5) {
                        fail(
                            ctx,
                            400,
                            "0x80044331",
                            `A validation error occurred. The value ${JSON.stringify(value)} of 'accessmode' on record of type 'systemuser' is outside the valid range (0-5).`,
                        );
                    }
                } else if (column === "isdisabled") {
                    if (typeof value !== "boolean")
                        fail(ctx, 400, "0x80044331", `A validation error occurred. The value ${JSON.stringify(value)} of 'isdisabled' is not a boolean.`);
                } else if (column in SYSTEMUSER_COLUMNS) {
                    fail(ctx, 400, "0x80040203", `Updating column '${column}' of systemuser is not emulated; only accessmode and isdisabled are.`);
                } else {
                    fail(ctx, 400, "0x80060888", `Could not find a property named '${column}' on type '${SYSTEMUSER.entityType}'.`);
                }
            }
            if ("accessmode" in body) user.accessMode = body.accessmode as number;
            if ("isdisabled" in body) user.isDisabled = body.isdisabled as boolean;
            return ok(ctx, 204);
        }),
        route("GET", new RegExp(`${API}/systemusers\\(${GUID}\\)/${ROLES_NAV}$`), (ctx, m) => {
            const user = findUser(ctx, m[1]);
            const columns = selectedColumns(ctx, ROLE, ctx.query.get("$select"));
            const filter = compileDataverseFilter(ctx, ROLE, ctx.query.get("$filter"));
            const roles = heldRoles(environmentId, user)
                .map((r) => roleRecord(env(), r))
                .filter((r) => !filter || filter(r));
            return collectionReply(
                ctx,
                metadata(contextFragment(ROLE, columns, false)),
                roles.map((r) => applySelect(ROLE, r, columns)),
            );
        }),
        route("POST", new RegExp(`${API}/systemusers\\(${GUID}\\)/${ROLES_NAV}/\\$ref$`), async (ctx, m) => {
            const user = findUser(ctx, m[1]);
            requirePrivilege(ctx, "prvAssignRole", "role", 1036);
            const body = await jsonBody(ctx, (message) => dataverseError(ctx, 400, "0x80040203", message));
            const roleId = referencedRoleId(ctx, isPlainObject(body) ? body["@odata.id"] : undefined);
            const role = roleById(environmentId, roleId) ?? fail(ctx, 404, "0x80040217", `role With Id = ${roleId} Does Not Exist`);
            if (user.isDisabled) fail(ctx, 400, "0x80040225", `The specified user(Id = ${user.systemUserId}) is disabled. Consider enabling this user.`);
            if (heldRoles(environmentId, user).some((r) => r.roleid === role.roleid)) fail(ctx, 412, "0x80040237", "Cannot insert duplicate key.");
            if (role.businessUnitId !== rootBusinessUnitId(environmentId))
                user.childUnitRoleTemplateIds = [...(user.childUnitRoleTemplateIds ?? []), role.roleTemplateId!];
            else if (role.roleTemplateId) user.roleTemplateIds.push(role.roleTemplateId);
            else user.roleNames.push(role.name);
            return ok(ctx, 204);
        }),
        route("DELETE", new RegExp(`${API}/systemusers\\(${GUID}\\)/${ROLES_NAV}\\(${GUID}\\)/\\$ref$`), (ctx, m) =>
            disassociate(ctx, m[1], m[2].toLowerCase()),
        ),
        route("DELETE", new RegExp(`${API}/systemusers\\(${GUID}\\)/${ROLES_NAV}/\\$ref$`), (ctx, m) =>
            disassociate(ctx, m[1], referencedRoleId(ctx, ctx.query.get("$id"))),
        ),
        route("GET", new RegExp(`${API}/roles$`), (ctx) => {
            const columns = selectedColumns(ctx, ROLE, ctx.query.get("$select"));
            const filter = compileDataverseFilter(ctx, ROLE, ctx.query.get("$filter"));
            const roles = allRoleRecords(env()).filter((r) => !filter || filter(r));
            return collectionReply(
                ctx,
                metadata(contextFragment(ROLE, columns, false)),
                roles.map((r) => applySelect(ROLE, r, columns)),
            );
        }),
        route("GET", new RegExp(`${API}/roles\\(${GUID}\\)$`), (ctx, m) => {
            const role = roleById(environmentId, m[1]) ?? fail(ctx, 404, "0x80040217", `role With Id = ${m[1]} Does Not Exist`);
            const columns = selectedColumns(ctx, ROLE, ctx.query.get("$select"));
            return ok(ctx, 200, { "@odata.context": metadata(contextFragment(ROLE, columns, true)), ...applySelect(ROLE, roleRecord(env(), role), columns) });
        }),
        route("GET", new RegExp(`${API}/businessunits$`), (ctx) => {
            const columns = selectedColumns(ctx, BUSINESSUNIT, ctx.query.get("$select"));
            const filter = compileDataverseFilter(ctx, BUSINESSUNIT, ctx.query.get("$filter"));
            const units = [businessUnitRecord(env())].filter((r) => !filter || filter(r));
            return collectionReply(
                ctx,
                metadata(contextFragment(BUSINESSUNIT, columns, false)),
                units.map((r) => applySelect(BUSINESSUNIT, r, columns)),
            );
        }),
        route("GET", new RegExp(`${API}/businessunits\\(${GUID}\\)$`), (ctx, m) => {
            if (m[1].toLowerCase() !== rootBusinessUnitId(environmentId)) fail(ctx, 404, "0x80040217", `businessunit With Id = ${m[1]} Does Not Exist`);
            const columns = selectedColumns(ctx, BUSINESSUNIT, ctx.query.get("$select"));
            return ok(ctx, 200, {
                "@odata.context": metadata(contextFragment(BUSINESSUNIT, columns, true)),
                ...applySelect(BUSINESSUNIT, businessUnitRecord(env()), columns),
            });
        }),
        route("GET", new RegExp(`${API}/WhoAmI(?:\\(\\))?$`), (ctx) =>
            ok(ctx, 200, {
                "@odata.context": metadata("Microsoft.Dynamics.CRM.WhoAmIResponse"),
                BusinessUnitId: rootBusinessUnitId(environmentId),
                UserId: callerUser(ctx).systemUserId,
                OrganizationId: organizationId(environmentId),
            }),
        ),
    ];

    return {
        name: "dataverse",
        environmentId,
        contentType: DATAVERSE_CONTENT_TYPE,
        errorReply: (ctx, status, code, message) => {
            const [c, text] = STATUS_CODES[status] ?? ["0x80040216", `HTTP ${status}`];
            return dataverseError(ctx, status, code ?? c, message ?? text);
        },
        authenticate(ctx) {
            const environment = tenant.environment(environmentId);
            if (!environment) return deletedOrganisation(ctx, environmentId);
            const result = authenticateBearer(ctx, deps.tokens, { audiences: [dataverseAudience(instanceUrl())], tenantId: tenant.tenantId });
            if ("failure" in result) {
                // Dataverse answers 401 with an empty body and tells the client where to get a token.
                return {
                    status: 401,
                    headers: {
                        "WWW-Authenticate": `Bearer authorization_uri=${deps.endpoints.login}/${tenant.tenantId}/oauth2/authorize, resource_id=${instanceUrl()}`,
                        REQ_ID: ctx.requestId,
                        "x-ms-diagnostics": `emulator: ${result.failure.kind}: ${result.failure.detail}`,
                    },
                };
            }
            ctx.caller = result.caller;
            const refused = environmentRefusal(ctx, tenant, environment, result.caller.oid);
            if (refused) return refused;
            const member = tenant.systemUsers(environmentId).find((s) => s.azureActiveDirectoryObjectId === result.caller.oid);
            if (!member) return dataverseError(ctx, 403, "0x80072560", "The user is not a member of the organization.");
            if (member.isDisabled)
                return dataverseError(ctx, 403, "0x80040225", `The specified user(Id = ${member.systemUserId}) is disabled. Consider enabling this user.`);
            return adminModeRefusal(ctx, environment, member);
        },
        admit(ctx): Admission {
            const behaviour = tenant.state.behaviour;
            const key = ctx.caller?.oid ?? "";
            requestLimiter = limiterFor(requestLimiter, behaviour.dataverseRequestLimit);
            const counted = requestLimiter?.limiter.tryAcquire(key);
            if (counted && !counted.ok) {
                const { requests, windowSeconds } = behaviour.dataverseRequestLimit;
                return {
                    reject: dataverseError(
                        ctx,
                        429,
                        "0x80072322",
                        `Number of requests exceeded the limit of ${requests} over time window of ${windowSeconds} seconds.`,
                        { "Retry-After": String(counted.retryAfterSeconds) },
                    ),
                    note: "throttled: dataverseRequestLimit (0x80072322)",
                };
            }
            if (gate?.limit !== behaviour.dataverseConcurrencyLimit)
                gate = { limit: behaviour.dataverseConcurrencyLimit, gate: new ConcurrencyGate(behaviour.dataverseConcurrencyLimit) };
            const release = gate.gate.tryEnter(key);
            if (release) return { release };
            return {
                reject: dataverseError(ctx, 429, "0x80072326", `Number of concurrent requests exceeded the limit of ${behaviour.dataverseConcurrencyLimit}.`, {
                    "Retry-After": String(behaviour.dataverseConcurrencyRetryAfterSeconds),
                }),
                note: "throttled: dataverseConcurrencyLimit (0x80072326)",
            };
        },
        async handle(ctx) {
            const found = dispatch(routes, ctx);
            if (found.kind === "reply") return found.reply;
            if (found.kind === "method-not-allowed")
                return dataverseError(ctx, 405, "0x80060888", `The HTTP method '${ctx.method}' is not allowed for '${ctx.path}'.`);
            unknownRoute(deps, `dataverse ${environmentId}`, ctx.method, ctx.target);
            const segment = ctx.path.replace(/^\/api\/data\/v9\.\d\/?/, "").split("/")[0] || ctx.path;
            return dataverseError(ctx, 404, "0x80060888", `Resource not found for the segment '${segment}'.`);
        },
    };
}
