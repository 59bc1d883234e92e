// Dataverse rows built from the tenant state: systemuser, role and businessunit with
// every column of the real tables (see columns.ts) and the identifying ones filled in.
import { createHash } from "crypto";
import { derivedGuid } from "../../ids";
import { Environment, SystemUser } from "../../seed/types";
import {
    CatalogRole,
    childUnitRoleByTemplateId,
    environmentRoles,
    organizationId,
    roleByName,
    roleByTemplateId,
    rootBusinessUnitId,
} from "../../tenant/dataverse-catalog";
import { Tenant } from "../../tenant/tenant";
import { BUSINESSUNIT_COLUMNS, ROLE_COLUMNS, SYSTEMUSER_COLUMNS } from "./columns";

const CREATED_ON = "2024-01-15T08:00:00Z";

/** A row version that changes whenever the row's content changes (for @odata.etag). */
function versionNumber(...parts: unknown[]): number {
    return 1_000_000 + (createHash("sha1").update(JSON.stringify(parts)).digest().readUInt32BE(0) % 8_999_999);
}

/** The roles a system user holds, resolved against the environment's catalogue. */
export function heldRoles(envId: string, user: SystemUser): CatalogRole[] {
    const byTemplate = user.roleTemplateIds.map((t) => roleByTemplateId(envId, t));
    const byName = user.roleNames.map((n) => roleByName(envId, n));
    const childUnit = (user.childUnitRoleTemplateIds ?? []).map((t) => childUnitRoleByTemplateId(envId, t));
    return [...byTemplate, ...byName, ...childUnit].filter((r): r is CatalogRole => r !== undefined);
}

export function systemUserRecord(tenant: Tenant, env: Environment, user: SystemUser): Record<string, unknown> {
    const principal = tenant.principal(user.azureActiveDirectoryObjectId);
    const isApp = principal?.kind === "application" || user.applicationId !== undefined;
    const upn = principal?.kind === "user" ? principal.user.userPrincipalName : undefined;
    const displayName =
        principal?.kind === "user" ? principal.user.displayName : principal?.kind === "application" ? principal.application.displayName : "Unknown";
    const [first, ...rest] = displayName.split(" ");
    const domainName = upn ?? `${(user.applicationId ?? user.azureActiveDirectoryObjectId).replace(/-/g, "")}@${tenant.tenantId}.onmicrosoft.com`;
    const version = versionNumber(user);
    return {
        ...SYSTEMUSER_COLUMNS,
        "@odata.etag": `W/"${version}"`,
        ownerid: user.systemUserId,
        accessmode: user.accessMode,
        internalemailaddress: domainName,
        organizationid: organizationId(env.id),
        azureactivedirectoryobjectid: user.azureActiveDirectoryObjectId,
        yomifullname: displayName,
        firstname: rest.length > 0 ? first : null,
        lastname: rest.length > 0 ? rest.join(" ") : displayName,
        fullname: displayName,
        isdisabled: user.isDisabled,
        modifiedon: CREATED_ON,
        identityid: null,
        userlicensetype: isApp ? -1 : 38,
        islicensed: principal?.kind === "user" ? tenant.dynamicsLicence(principal.user.id) !== "unlicensed" : false,
        _businessunitid_value: rootBusinessUnitId(env.id),
        _queueid_value: derivedGuid("queue", env.id, user.systemUserId),
        _defaultmailbox_value: derivedGuid("mailbox", env.id, user.systemUserId),
        _calendarid_value: derivedGuid("calendar", env.id, user.systemUserId),
        systemuserid: user.systemUserId,
        windowsliveid: upn ?? null,
        domainname: domainName,
        applicationid: user.applicationId ?? null,
        isintegrationuser: false,
        createdon: CREATED_ON,
        versionnumber: version,
    };
}

export function roleRecord(env: Environment, role: CatalogRole): Record<string, unknown> {
    const version = versionNumber(env.id, role.roleid);
    return {
        ...ROLE_COLUMNS,
        "@odata.etag": `W/"${version}"`,
        organizationid: organizationId(env.id),
        isinherited: role.roleTemplateId ? 1 : 0,
        solutionid: derivedGuid("solution", role.name),
        roleidunique: derivedGuid("roleidunique", env.id, role.name),
        ismanaged: true,
        roleid: role.roleid,
        modifiedon: CREATED_ON,
        _modifiedby_value: null,
        _parentrootroleid_value: role.roleid,
        createdon: CREATED_ON,
        versionnumber: version,
        _businessunitid_value: role.businessUnitId,
        name: role.name,
        _createdby_value: null,
        _parentroleid_value: null,
        _roletemplateid_value: role.roleTemplateId,
    };
}

export function businessUnitRecord(env: Environment): Record<string, unknown> {
    const version = versionNumber(env.id, "bu");
    return {
        ...BUSINESSUNIT_COLUMNS,
        "@odata.etag": `W/"${version}"`,
        versionnumber: version,
        address2_addressid: derivedGuid("bu-address2", env.id),
        address1_addressid: derivedGuid("bu-address1", env.id),
        modifiedon: CREATED_ON,
        createdon: CREATED_ON,
        isdisabled: false,
        name: env.uniqueName,
        _organizationid_value: organizationId(env.id),
        businessunitid: rootBusinessUnitId(env.id),
        costcenter: null,
        _parentbusinessunitid_value: null,
    };
}

export function allRoleRecords(env: Environment): Array<Record<string, unknown>> {
    return environmentRoles(env.id).map((r) => roleRecord(env, r));
}
