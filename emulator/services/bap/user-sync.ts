// BAP's "force sync" calls: addUser brings an Entra user into an environment's
// Dataverse, addAppUser a service principal (as an application user holding System
// Administrator). The rules reproduced (MICROSOFT-APIS.md §4):
//   - the user must be in the environment's security group, when it has one;
//   - a licensed user needs the licence to have reached Power Platform first
//     ("userNotLicensed" until licensePropagationDelayMs has passed since it was
//     assigned); unlicensed holders of Global / Dynamics 365 / Power Platform
//     Administrator are synced with access mode Administrative, others refused;
//   - the system user appears in Dataverse only after userSyncDelayMs;
//   - by kind and state of environment (MICROSOFT-APIS.md, "Environment kinds and
//     states"): no database yet while it is provisioning; a disabled environment is
//     refused; Dataverse for Teams admits members of the team's group only, Dynamics 365
//     administrators outside the team included; a Developer environment with a seeded
//     owner admits its owner only ("intended for use by only the owner": the emulator
//     takes the documented intent as the rule, so clients see a refusal they must report
//     for that environment alone); a Trial environment adds nobody by itself, but addUser
//     works there as anywhere.
import { ADMIN_ROLES_SYNCED_WITHOUT_LICENCE } from "../../data/directory";
import { SYSTEM_ADMINISTRATOR_TEMPLATE_ID } from "../../data/standard-roles";
import { derivedGuid } from "../../ids";
import { Environment } from "../../seed/types";
import { Tenant } from "../../tenant/tenant";

export type SyncOutcome = { ok: true } | { ok: false; status: number; code: string; message: string };

function requireDataverse(env: Environment): SyncOutcome | undefined {
    if (!env.dataverse)
        return {
            ok: false,
            status: 400,
            code: "EnvironmentHasNoDatabase",
            message: `The environment '${env.id}' has no Dataverse database, so it has no users to add.`,
        };
    if (env.provisioningState !== "Succeeded") {
        return {
            ok: false,
            status: 400,
            code: "EnvironmentHasNoDatabase",
            message: `The environment '${env.id}' is still being provisioned (${env.provisioningState}); its Dataverse database has no users to add yet.`,
        };
    }
    // The status and code are assumed; the message is Dataverse's own for a disabled organisation.
    if (env.runtimeState === "Disabled") {
        return {
            ok: false,
            status: 400,
            code: "EnvironmentDisabled",
            message: `The environment '${env.id}' is disabled: The Dynamics 365 organization you are attempting to access is currently disabled. Please contact your system administrator.`,
        };
    }
    return undefined;
}

/** Who may be added, by kind: the team's members in a Teams environment, the owner in a Developer one. */
function kindRefusal(tenant: Tenant, env: Environment, userId: string): SyncOutcome | undefined {
    if (env.sku === "Developer" && env.owner && env.owner !== userId) {
        return {
            ok: false,
            status: 403,
            code: "DeveloperEnvironmentOwnerOnly",
            message: `The environment '${env.id}' is a Developer environment, intended for use by only its owner '${env.owner}'; the user '${userId}' cannot be added to it.`,
        };
    }
    if (env.sku === "Teams" && !tenant.group(env.securityGroupId ?? "")?.members.includes(userId)) {
        return {
            ok: false,
            status: 403,
            code: "UserNotInTeam",
            message: `The environment '${env.id}' is a Dataverse for Teams environment: only members of its team's Microsoft 365 group '${env.securityGroupId}' get access, and the user '${userId}' is not one (administrators outside the team get no access).`,
        };
    }
    return undefined;
}

export function addUser(tenant: Tenant, env: Environment, objectId: string): SyncOutcome {
    const noDatabase = requireDataverse(env);
    if (noDatabase) return noDatabase;
    const user = tenant.user(objectId);
    if (!user || user.id !== objectId.toLowerCase()) {
        return { ok: false, status: 404, code: "UserNotFound", message: `The user with object id '${objectId}' was not found in tenant '${tenant.tenantId}'.` };
    }
    const refusedByKind = kindRefusal(tenant, env, user.id);
    if (refusedByKind) return refusedByKind;
    if (env.securityGroupId) {
        const group = tenant.group(env.securityGroupId);
        if (!group?.members.includes(user.id)) {
            return {
                ok: false,
                status: 400,
                code: "UserNotInSecurityGroup",
                message: `The user '${user.id}' is not a member of the security group '${env.securityGroupId}' that restricts access to environment '${env.id}'. Add the user to the group, then add the user to the environment again.`,
            };
        }
    }
    const licence = tenant.dynamicsLicence(user.id, env.id);
    const admin = tenant.holdsDirectoryRole(user.id, ADMIN_ROLES_SYNCED_WITHOUT_LICENCE);
    if (licence !== "ready" && !admin) {
        return {
            ok: false,
            status: 400,
            code: "userNotLicensed",
            message: `The user '${user.id}' could not be added to environment '${env.id}': userNotLicensed. ${licence === "propagating" ? "The licence was assigned recently and has not reached Power Platform yet." : "The user holds no Dynamics 365 licence."}`,
        };
    }
    const existing = tenant.systemUsers(env.id).find((s) => s.azureActiveDirectoryObjectId === user.id);
    if (existing) {
        // a re-sync refreshes what Entra owns (enabled state); access mode and roles stay
        existing.isDisabled = !user.accountEnabled;
        return { ok: true };
    }
    if (!tenant.isSyncPending(env.id, user.id)) {
        tenant.scheduleSync(
            env.id,
            {
                azureActiveDirectoryObjectId: user.id,
                systemUserId: derivedGuid("systemuser", env.id, user.id),
                accessMode: licence === "ready" ? 0 : 1,
                isDisabled: !user.accountEnabled,
                roleTemplateIds: [],
                roleNames: [],
            },
            tenant.state.behaviour.userSyncDelayMs,
        );
    }
    return { ok: true };
}

export function addAppUser(tenant: Tenant, env: Environment, appId: string): SyncOutcome {
    const noDatabase = requireDataverse(env);
    if (noDatabase) return noDatabase;
    const app = tenant.applicationByClientId(appId);
    if (!app) {
        return {
            ok: false,
            status: 404,
            code: "ServicePrincipalNotFound",
            message: `No service principal with application id '${appId}' was found in tenant '${tenant.tenantId}'.`,
        };
    }
    const users = tenant.systemUsers(env.id);
    const existing = users.find((s) => s.azureActiveDirectoryObjectId === app.objectId);
    if (existing) {
        existing.isDisabled = false;
        existing.applicationId = app.clientId;
        if (!existing.roleTemplateIds.includes(SYSTEM_ADMINISTRATOR_TEMPLATE_ID)) existing.roleTemplateIds.push(SYSTEM_ADMINISTRATOR_TEMPLATE_ID);
        return { ok: true };
    }
    users.push({
        azureActiveDirectoryObjectId: app.objectId,
        systemUserId: derivedGuid("systemuser", env.id, app.objectId),
        applicationId: app.clientId,
        accessMode: 4,
        isDisabled: false,
        roleTemplateIds: [SYSTEM_ADMINISTRATOR_TEMPLATE_ID],
        roleNames: [],
    });
    return { ok: true };
}
