// Dataverse Web API v9.2 of one environment: the account's systemuser, its access mode
// and its security roles.
//
//   find the user       GET    systemusers?$filter=azureactivedirectoryobjectid eq {oid}     (never the key form
//                                                                                           systemusers(azureactivedirectoryobjectid=…),
//                                                                                           which creates the user as a side effect)
//   access mode         PATCH  systemusers({id}) {"accessmode"}      with If-Match: * so it cannot create
//   role copy in a BU   GET    roles?$filter=_roletemplateid_value eq {t} and _businessunitid_value eq {bu}
//   user and its roles  GET    systemusers({id})?$select=…&$expand=systemuserroles_association($select=…)
//                              (or by object id with $filter; one call; a nested nextLink falls back to the list)
//   roles held          GET    systemusers({id})/systemuserroles_association        (pages: "@odata.nextLink")
//   associate           POST   systemusers({id})/systemuserroles_association/$ref   412 = already held
//   disassociate        DELETE systemusers({id})/systemuserroles_association({roleid})/$ref
//
// GUID literals in $filter are unquoted, so every id is checked to be a GUID before it
// is put into a URL.
//
// An operator that Dataverse answers with 403 is handled in one place (operator.ts).

import { ClientContext } from "../transport/context";
import { accessError } from "../transport/errors";
import { getAllPages } from "../transport/http/paging";
import { ApiAnswer, ApiRequest, Explanation } from "../transport/http/request";
import { GUID_PATTERN } from "../transport/ids";
import { DataverseTarget } from "./bap";
import { withOperatorAccess } from "./operator";

const API_PATH = "api/data/v9.2/";
const ODATA_HEADERS = { "OData-MaxVersion": "4.0", "OData-Version": "4.0" };
const USER_FIELDS = "systemuserid,azureactivedirectoryobjectid,isdisabled,accessmode,_businessunitid_value,domainname";
const ROLE_FIELDS = "roleid,name,_roletemplateid_value,_businessunitid_value";

/** System Administrator's role template id: the same in every environment. */
export const SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID = "627090ff-40a3-4053-8790-584edc5be201";

export const DATAVERSE_ERROR_CODES = {
    notFound: "0x80040217",
    privilegeDenied: "0x80040220",
    duplicateRecord: "0x80040237",
    userDisabled: "0x80040225",
    /** "The Dynamics 365 organization you are attempting to access is currently disabled." */
    organizationDisabled: "0x8004a104",
} as const;

/** Dataverse for Teams refuses the Web API: "… is only allowed to be accessed from OData endpoint in Dataverse for Teams offering". */
const TEAMS_OFFERING = /Dataverse for Teams/i;

/** Dataverse access modes (systemuser.accessmode). */
export const ACCESS_MODES = {
    "read-write": 0,
    administrative: 1,
    read: 2,
    "support-user": 3,
    "non-interactive": 4,
    "delegated-admin": 5,
} as const;
export type AccessModeName = keyof typeof ACCESS_MODES;

export function accessModeName(value: number): string {
    const entry = Object.entries(ACCESS_MODES).find(([, number]) => number === value);
    return entry ? entry[0] : `unknown-${value}`;
}

export interface SystemUser {
    readonly systemUserId: string;
    readonly objectId: string | undefined;
    readonly isDisabled: boolean;
    readonly accessMode: number;
    readonly businessUnitId: string;
    readonly domainName: string | undefined;
}

export interface Role {
    readonly roleId: string;
    readonly name: string;
    /** Only system roles have a template; copies in every business unit share it. */
    readonly templateId: string | undefined;
    readonly businessUnitId: string | undefined;
}

function requireGuid(value: string, what: string, environmentId: string): string {
    if (!GUID_PATTERN.test(value)) {
        throw accessError("configuration", {
            what: `${what} ${JSON.stringify(value)} is not a GUID`,
            environmentId,
            fix: `pass ${what} as a GUID such as 00000000-0000-0000-0000-000000000000.`,
        });
    }
    return value.toLowerCase();
}

export function dataverseAudience(target: DataverseTarget): string {
    return new URL(target.instanceUrl).origin;
}

function request(
    ctx: ClientContext,
    target: DataverseTarget,
    partial: Omit<ApiRequest, "service" | "url" | "audience" | "environmentId"> & { path: string },
): ApiRequest {
    const { path, ...rest } = partial;
    return {
        ...rest,
        service: "dataverse",
        url: `${target.instanceUrl}${API_PATH}${path}`,
        audience: dataverseAudience(target),
        environmentId: target.environmentId,
        headers: { ...ODATA_HEADERS, ...rest.headers },
        explain: (answer) => explainDataverse(answer) ?? rest.explain?.(answer),
    };
}

function explainDataverse(answer: ApiAnswer): Explanation | undefined {
    if (answer.code === DATAVERSE_ERROR_CODES.userDisabled) {
        return {
            kind: "disabled-user",
            fix: disabledUserFix(),
        };
    }
    // Refusals of the environment itself, not of the operator: everyone gets them, so
    // making the operator an application user (operator.ts) would not help.
    if (answer.status === 403 && answer.code === DATAVERSE_ERROR_CODES.organizationDisabled) {
        return {
            kind: "environment-unavailable",
            reasonCode: "disabled",
            fix: 'the environment is disabled: enable it in the Power Platform admin center, or leave it out (with ["*"] disabled environments are skipped).',
        };
    }
    if (answer.status === 403 && TEAMS_OFFERING.test(answer.message)) {
        return {
            kind: "environment-unavailable",
            reasonCode: "teams",
            fix: 'Dataverse for Teams gives no Web API access: leave the environment out (with ["*"] such environments are skipped), or upgrade it to Dataverse.',
        };
    }
    return undefined;
}

export function disabledUserFix(): string {
    return (
        "Dataverse disables users that lost their Dynamics licence, left the environment's security group or were " +
        "blocked in Entra ID: restore that, then run `pulumi up` again (it re-syncs the user)."
    );
}

function toSystemUser(raw: any): SystemUser {
    return {
        systemUserId: String(raw.systemuserid),
        objectId: typeof raw.azureactivedirectoryobjectid === "string" ? raw.azureactivedirectoryobjectid : undefined,
        isDisabled: raw.isdisabled === true,
        accessMode: typeof raw.accessmode === "number" ? raw.accessmode : Number(raw.accessmode),
        businessUnitId: String(raw._businessunitid_value),
        domainName: typeof raw.domainname === "string" ? raw.domainname : undefined,
    };
}

function toRole(raw: any): Role {
    return {
        roleId: String(raw.roleid),
        name: typeof raw.name === "string" ? raw.name : "",
        templateId: typeof raw._roletemplateid_value === "string" ? raw._roletemplateid_value.toLowerCase() : undefined,
        businessUnitId: typeof raw._businessunitid_value === "string" ? raw._businessunitid_value : undefined,
    };
}

/** The systemuser of an Entra user, or undefined while Power Platform has not synced it. */
export async function findSystemUser(ctx: ClientContext, target: DataverseTarget, objectId: string): Promise<SystemUser | undefined> {
    const oid = requireGuid(objectId, "the Entra object id", target.environmentId);
    const response = await withOperatorAccess(ctx, target, () =>
        ctx.http.send<{ value?: unknown[] }>(
            request(ctx, target, {
                method: "GET",
                path: `systemusers?$filter=azureactivedirectoryobjectid eq ${oid}&$select=${USER_FIELDS}`,
                call: "find the account's Dataverse user",
            }),
        ),
    );
    const rows = Array.isArray(response.body?.value) ? response.body.value : [];
    return rows.length ? toSystemUser(rows[0]) : undefined;
}

const ROLES_NAVIGATION = "systemuserroles_association";
const WITH_ROLES = `$select=${USER_FIELDS}&$expand=${ROLES_NAVIGATION}($select=${ROLE_FIELDS})`;

export interface SystemUserWithRoles {
    readonly user: SystemUser;
    readonly roles: Role[];
}

/**
 * A systemuser row read with its roles expanded. Dataverse pages a long expanded list
 * with a nested nextLink: then the roles are listed page by page.
 */
async function withExpandedRoles(ctx: ClientContext, target: DataverseTarget, raw: Record<string, unknown>): Promise<SystemUserWithRoles> {
    const user = toSystemUser(raw);
    const expanded = raw[ROLES_NAVIGATION];
    const roles =
        Array.isArray(expanded) && !raw[`${ROLES_NAVIGATION}@odata.nextLink`] ? expanded.map(toRole) : await listUserRoles(ctx, target, user.systemUserId);
    return { user, roles };
}

/** A systemuser by id and the roles it holds directly, in one request; undefined when it does not exist. */
export async function getSystemUserWithRoles(ctx: ClientContext, target: DataverseTarget, systemUserId: string): Promise<SystemUserWithRoles | undefined> {
    const id = requireGuid(systemUserId, "the systemuser id", target.environmentId);
    const response = await withOperatorAccess(ctx, target, () =>
        ctx.http.send<Record<string, unknown>>(
            request(ctx, target, {
                method: "GET",
                path: `systemusers(${id})?${WITH_ROLES}`,
                call: "read the account's Dataverse user and its security roles",
                expect: [404],
            }),
        ),
    );
    return response.status === 404 ? undefined : withExpandedRoles(ctx, target, response.body);
}

/** The systemuser of an Entra user and the roles it holds directly, in one request; undefined while not synced. */
export async function findSystemUserWithRoles(ctx: ClientContext, target: DataverseTarget, objectId: string): Promise<SystemUserWithRoles | undefined> {
    const oid = requireGuid(objectId, "the Entra object id", target.environmentId);
    const response = await withOperatorAccess(ctx, target, () =>
        ctx.http.send<{ value?: Record<string, unknown>[] }>(
            request(ctx, target, {
                method: "GET",
                path: `systemusers?$filter=azureactivedirectoryobjectid eq ${oid}&${WITH_ROLES}`,
                call: "find the account's Dataverse user and its security roles",
            }),
        ),
    );
    const rows = Array.isArray(response.body?.value) ? response.body.value : [];
    return rows.length ? withExpandedRoles(ctx, target, rows[0]) : undefined;
}

export async function setAccessMode(ctx: ClientContext, target: DataverseTarget, systemUserId: string, accessMode: number): Promise<void> {
    const id = requireGuid(systemUserId, "the systemuser id", target.environmentId);
    await withOperatorAccess(ctx, target, () =>
        ctx.http.send(
            request(ctx, target, {
                method: "PATCH",
                path: `systemusers(${id})`,
                // If-Match: * turns Dataverse's upsert into a plain update: never create a user here.
                headers: { "If-Match": "*" },
                body: { accessmode: accessMode },
                call: `set the account's access mode to ${accessModeName(accessMode)}`,
            }),
        ),
    );
}

/** The copy of a system role (by template id) that belongs to a business unit. */
export async function findRole(ctx: ClientContext, target: DataverseTarget, templateId: string, businessUnitId: string): Promise<Role | undefined> {
    const template = requireGuid(templateId, "the role template id", target.environmentId);
    const unit = requireGuid(businessUnitId, "the business unit id", target.environmentId);
    const response = await withOperatorAccess(ctx, target, () =>
        ctx.http.send<{ value?: unknown[] }>(
            request(ctx, target, {
                method: "GET",
                path: `roles?$select=${ROLE_FIELDS}&$filter=_roletemplateid_value eq ${template} and _businessunitid_value eq ${unit}`,
                call: "find the security role in the account's business unit",
            }),
        ),
    );
    const rows = Array.isArray(response.body?.value) ? response.body.value : [];
    return rows.length ? toRole(rows[0]) : undefined;
}

/** The security roles a user holds directly (all pages). */
export async function listUserRoles(ctx: ClientContext, target: DataverseTarget, systemUserId: string): Promise<Role[]> {
    const id = requireGuid(systemUserId, "the systemuser id", target.environmentId);
    const rows = await withOperatorAccess(ctx, target, () =>
        getAllPages<unknown>(
            ctx.http,
            request(ctx, target, {
                method: "GET",
                path: `systemusers(${id})/systemuserroles_association?$select=${ROLE_FIELDS}`,
                headers: { Prefer: "odata.maxpagesize=500" },
                call: "list the account's security roles",
            }),
            "@odata.nextLink",
        ),
    );
    return rows.map(toRole);
}

/** One request about the user's link to a role, as the operator, once both ids are known to be GUIDs (they go into the path). */
function sendAboutRole(
    ctx: ClientContext,
    target: DataverseTarget,
    systemUserId: string,
    roleId: string,
    describe: (systemUserId: string, roleId: string) => Parameters<typeof request>[2],
) {
    const id = requireGuid(systemUserId, "the systemuser id", target.environmentId);
    const role = requireGuid(roleId, "the role id", target.environmentId);
    return withOperatorAccess(ctx, target, () => ctx.http.send(request(ctx, target, describe(id, role))));
}

/** Gives the user a role; "already-held" when Dataverse reports the association exists. */
export async function associateRole(ctx: ClientContext, target: DataverseTarget, systemUserId: string, roleId: string): Promise<"associated" | "already-held"> {
    const response = await sendAboutRole(ctx, target, systemUserId, roleId, (id, role) => ({
        method: "POST",
        path: `systemusers(${id})/systemuserroles_association/$ref`,
        body: { "@odata.id": `${target.instanceUrl}${API_PATH}roles(${role})` },
        call: "give the account the security role",
        expect: [412],
    }));
    return response.status === 412 ? "already-held" : "associated";
}

/** Takes a role away; "not-held" when there was nothing to remove. */
export async function disassociateRole(ctx: ClientContext, target: DataverseTarget, systemUserId: string, roleId: string): Promise<"removed" | "not-held"> {
    const response = await sendAboutRole(ctx, target, systemUserId, roleId, (id, role) => ({
        method: "DELETE",
        path: `systemusers(${id})/systemuserroles_association(${role})/$ref`,
        call: "remove the security role from the account",
        expect: [404],
    }));
    return response.status === 404 ? "not-held" : "removed";
}
