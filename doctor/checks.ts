// What the tenant reads mean for a first run: one result per check, each with what it
// breaks and the fix an admin follows. Pure: it judges a TenantSnapshot, so every
// outcome can be tested without a tenant.

import { describeServiceAccount, NAMESPACE, ProgramConfig } from "../lib/config";
import { SkippedEnvironment, skippedByReasonCode } from "../lib/environment-plan";
import { GLOBAL_ADMINISTRATOR } from "../lib/directory-roles";
import { isAccessError, summarizeDynamicsLicenses, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../providers";
import { Attempt, CheckResult, explainError, isRefusal } from "./check-result";
import { GROUP_MEMBERSHIP, GraphPermissionRequirement, grantFix, isGranted, ROLE_MANAGEMENT, ROLE_SCHEDULES, USER_READ } from "./graph-permissions";
import { DataverseAccess, OperatorIdentity, TenantSnapshot } from "./tenant-reads";

export const PRIVILEGED_ROLE_ADMINISTRATOR = { displayName: "Privileged Role Administrator", templateId: "e8611ab8-c189-46e8-94e1-60213ab1f814" };

export interface CheckContext {
    readonly config: ProgramConfig;
    /** The sign-in method in words (never a secret). */
    readonly credential: string;
    /** d365-backup-access:addOperatorAppUser as configured. */
    readonly addOperatorAppUser: boolean;
    /** Whether d365-backup-access:elevationHours is set. */
    readonly elevation: boolean;
}

const SKIPPED_AFTER_SIGN_IN: CheckResult = {
    id: "remaining",
    title: "Other checks",
    status: "skip",
    detail: "they need a working sign-in",
};

export function evaluate(context: CheckContext, snapshot: TenantSnapshot): CheckResult[] {
    if (!snapshot.signIn.ok) {
        const { detail, fix } = explainError(snapshot.signIn.error);
        return [
            { id: "sign-in", title: "Sign-in", status: "fail", detail, breaks: "everything: no call to Graph, Power Platform or Dataverse can be made", fix },
            SKIPPED_AFTER_SIGN_IN,
        ];
    }
    const operator = snapshot.signIn.value;
    const groups = [...(snapshot.memberships?.keys() ?? [])];
    const checks: CheckResult[] = [
        {
            id: "sign-in",
            title: "Sign-in",
            status: "ok",
            detail: `${context.credential}; signed in as ${operator.kind === "application" ? `application ${operator.clientId ?? "?"}` : "a user"} (object id ${operator.objectId})`,
        },
        permissionCheck(ROLE_MANAGEMENT, operator, { needed: true, probe: snapshot.operatorRoles, probeWhat: "reading directory role assignments" }),
        permissionCheck(USER_READ, operator, { needed: true, probe: accountProbe(snapshot), probeWhat: "reading the account and its licences" }),
        permissionCheck(GROUP_MEMBERSHIP, operator, {
            // Unknown until the environments are read: then assume it is needed.
            needed: !snapshot.plan?.ok || groups.length > 0,
            notNeeded: "no environment to back up is restricted to a security group today",
            probe: firstFailure([...(snapshot.memberships?.values() ?? [])]),
            probeWhat: "reading the security groups' members",
        }),
    ];
    if (context.elevation) {
        checks.push(permissionCheck(ROLE_SCHEDULES, operator, { needed: true, probe: snapshot.pim, probeWhat: "reading time-bound role assignments" }));
        checks.push(pimLicenceCheck(snapshot));
    }
    checks.push(directoryRoleCheck(operator, snapshot), powerPlatformCheck(operator, snapshot), environmentsCheck(snapshot));
    for (const environment of snapshot.dataverse ?? []) checks.push(dataverseCheck(context, operator, environment));
    checks.push(serviceAccountCheck(context, snapshot), licenceCheck(context, snapshot), unmanagedGlobalAdministratorCheck(context, snapshot));
    return checks;
}

/** The account read counts as the User.Read.All probe: the licence read when the account was found. */
function accountProbe(snapshot: TenantSnapshot): Attempt<unknown> | undefined {
    if (snapshot.account && !snapshot.account.ok) return snapshot.account;
    return snapshot.licences ?? snapshot.account;
}

function firstFailure(attempts: readonly Attempt<unknown>[]): Attempt<unknown> | undefined {
    return attempts.find((a) => !a.ok) ?? attempts[0];
}

interface PermissionProbe {
    readonly needed: boolean;
    readonly notNeeded?: string;
    /** A read that needs the permission (undefined: none made). */
    readonly probe: Attempt<unknown> | undefined;
    readonly probeWhat: string;
}

/**
 * An application's permission is judged from its token's roles claim (which names what
 * is missing) and proved by a read that needs it; a signed-in user's from the read alone.
 */
function permissionCheck(requirement: GraphPermissionRequirement, operator: OperatorIdentity, probe: PermissionProbe): CheckResult {
    const base = { id: `graph-permission:${requirement.permission}`, title: `Graph permission ${requirement.permission}` };
    const refused = probe.probe && !probe.probe.ok ? probe.probe.error : undefined;
    if (operator.grantedPermissions !== undefined) {
        const granted = operator.grantedPermissions;
        if (!isGranted(requirement, granted)) {
            return {
                ...base,
                status: probe.needed ? "fail" : "warn",
                detail:
                    `not granted to the application (its Graph token's roles claim: ${granted.length ? granted.join(", ") : "none"})` +
                    (probe.needed ? "" : `; ${probe.notNeeded}`),
                breaks: requirement.breaks,
                fix: grantFix(requirement, operator.clientId),
            };
        }
        if (refused !== undefined) return refusedCheck(base, requirement, operator, probe.probeWhat, refused, true);
        return { ...base, status: "ok", detail: `granted${probe.probe ? `; ${probe.probeWhat} works` : ""}` };
    }
    if (refused !== undefined) return refusedCheck(base, requirement, operator, probe.probeWhat, refused, false);
    if (!probe.probe) {
        return { ...base, status: "skip", detail: "a signed-in user acts through their directory roles; nothing to read here proves it" };
    }
    return { ...base, status: "ok", detail: `${probe.probeWhat} works (a signed-in user, through their directory roles)` };
}

function refusedCheck(
    base: { id: string; title: string },
    requirement: GraphPermissionRequirement,
    operator: OperatorIdentity,
    probeWhat: string,
    error: unknown,
    granted: boolean,
): CheckResult {
    const { detail, fix } = explainError(error);
    if (!isRefusal(error)) return { ...base, status: "fail", detail: `${probeWhat} failed: ${detail}`, fix };
    return {
        ...base,
        status: "fail",
        detail: `${granted ? "granted in the token, but " : ""}Graph refused ${probeWhat}: ${detail}`,
        breaks: requirement.breaks,
        fix:
            operator.grantedPermissions !== undefined
                ? grantFix(requirement, operator.clientId)
                : `give the signed-in user a directory role that includes ${requirement.permission} (e.g. Privileged Role Administrator for role management), or run as a service principal.`,
    };
}

function pimLicenceCheck(snapshot: TenantSnapshot): CheckResult {
    const base = { id: "entra-id-p2", title: "Entra ID P2 (time-bound roles)" };
    const pim = snapshot.pim;
    if (!pim || !pim.ok) return { ...base, status: "skip", detail: "Entra PIM could not be read (see the permission above)" };
    if (pim.value.available) return { ...base, status: "ok", detail: "Entra PIM answers for this tenant" };
    return {
        ...base,
        status: "fail",
        detail: `Entra PIM refuses this tenant: ${pim.value.message}`,
        breaks: ROLE_SCHEDULES.breaks,
        fix:
            "assign Microsoft Entra ID P2 (or Microsoft Entra ID Governance) in the tenant: Microsoft 365 admin center → Billing → " +
            `Purchase services, then Users → Active users → an admin → Licenses and apps; or unset ${NAMESPACE}:elevationHours.`,
    };
}

function directoryRoleCheck(operator: OperatorIdentity, snapshot: TenantSnapshot): CheckResult {
    const base = { id: "directory-role", title: "Privileged Role Administrator or Global Administrator" };
    const roles = snapshot.operatorRoles;
    if (!roles) return { ...base, status: "skip", detail: "not read" };
    if (!roles.ok) {
        const { detail } = explainError(roles.error);
        return {
            ...base,
            status: "fail",
            detail: `the operator's directory roles could not be read: ${detail}`,
            fix: `grant ${ROLE_MANAGEMENT.permission} first (above), then run the doctor again.`,
        };
    }
    const held = new Set(roles.value.filter((a) => a.directoryScopeId === "/").map((a) => a.roleDefinitionId.toLowerCase()));
    for (const role of [PRIVILEGED_ROLE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR]) {
        if (held.has(role.templateId)) return { ...base, status: "ok", detail: `the operator holds ${role.displayName}` };
    }
    const who = operator.kind === "application" ? `the application ${operator.clientId ?? operator.objectId}` : "the signed-in user";
    return {
        ...base,
        status: "fail",
        detail: `the operator holds neither (${held.size} other directory role${held.size === 1 ? "" : "s"} tenant-wide)`,
        breaks: "assigning Global Administrator and the other directory roles: Graph refuses every role assignment the program makes",
        fix:
            `Microsoft Entra admin center → Identity → Roles & admins → Privileged Role Administrator → Add assignments → select ${who} → ` +
            `Assign (active, permanent). Or with Microsoft Graph PowerShell: New-MgRoleManagementDirectoryRoleAssignment -PrincipalId ${operator.objectId} ` +
            `-RoleDefinitionId ${PRIVILEGED_ROLE_ADMINISTRATOR.templateId} -DirectoryScopeId "/".`,
    };
}

function powerPlatformCheck(operator: OperatorIdentity, snapshot: TenantSnapshot): CheckResult {
    const base = {
        id: "power-platform",
        title: operator.kind === "application" ? "Power Platform admin management application" : "Power Platform administrator",
    };
    const environments = snapshot.environments;
    if (!environments) return { ...base, status: "skip", detail: "not read" };
    if (environments.ok) {
        return {
            ...base,
            status: "ok",
            detail: `${operator.kind === "application" ? "registered; " : ""}the admin API lists ${environments.value.length} environment(s)`,
        };
    }
    const { detail, fix } = explainError(environments.error);
    return {
        ...base,
        status: "fail",
        detail,
        breaks: "every Power Platform call — listing environments, adding the account (addUser), making the operator an application user (addAppUser): every preview stops",
        fix,
    };
}

function environmentsCheck(snapshot: TenantSnapshot): CheckResult {
    const base = { id: "environments", title: "Environments to back up" };
    const plan = snapshot.plan;
    if (!plan) return { ...base, status: "skip", detail: "the environments could not be listed" };
    if (!plan.ok) {
        const problems = (plan.error as { problems?: readonly string[] }).problems;
        return {
            ...base,
            status: "fail",
            detail: problems ? problems.join(" ") : explainError(plan.error).detail,
            breaks: "every preview: the program checks the environments before anything changes",
            fix: `correct ${NAMESPACE}:environments / ${NAMESPACE}:excludeEnvironments (pulumi config set --path '${NAMESPACE}:environments[0]' <id>).`,
        };
    }
    const { targets, skipped } = plan.value;
    const groups = new Set(targets.map((t) => t.securityGroupId).filter(Boolean)).size;
    const detail =
        `${targets.length} to serve` + (groups ? `, ${groups} restricted to a security group` : "") + (skipped.length ? `; ${skippedByReason(skipped)}` : "");
    // Each skipped environment with its reason, for machines (the JSON report): the text stays one line.
    const listed = skipped.length ? { skippedEnvironments: skipped } : {};
    if (targets.length === 0) {
        return {
            ...base,
            status: "warn",
            detail: `${detail}: nothing to back up`,
            fix: `check ${NAMESPACE}:environments and that azuread:tenantId is this customer's tenant.`,
            ...listed,
        };
    }
    return { ...base, status: "ok", detail, ...listed };
}

/** "2 skipped: teams 1, provisioning 1": how many, then how many per reason code, in the codes' own order. */
function skippedByReason(skipped: readonly SkippedEnvironment[]): string {
    return `${skipped.length} skipped: ${skippedByReasonCode(skipped)}`;
}

function dataverseCheck(context: CheckContext, operator: OperatorIdentity, { environment, access }: DataverseAccess): CheckResult {
    const base = { id: `dataverse:${environment.id}`, title: `Dataverse: ${environment.displayName}` };
    const appUserFix =
        `Power Platform admin center → Manage → Environments → ${environment.displayName} → Settings → Users + permissions → ` +
        `Application users → + New app user → add the application ${operator.clientId ?? "<client id>"} with the security role System Administrator`;
    if (access.ok) {
        const user = access.value;
        if (!user) {
            // Dataverse answered, so the operator is a member, but no user carries its object id (an odd state).
            return { ...base, status: "warn", detail: "reachable, but the operator's own Dataverse user was not found by its object id" };
        }
        if (user.roles.some((role) => role.templateId === SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID)) {
            return {
                ...base,
                status: "ok",
                detail: `reachable; the operator is ${operator.kind === "application" ? "an application user" : "a user"} with System Administrator`,
            };
        }
        return {
            ...base,
            status: "fail",
            detail: `reachable, but the operator's ${operator.kind === "application" ? "application user" : "user"} lacks System Administrator`,
            breaks: "giving the account its user, access mode and System Administrator role in this environment",
            fix:
                `Power Platform admin center → Manage → Environments → ${environment.displayName} → Settings → Users + permissions → ` +
                `${operator.kind === "application" ? "Application users → the application" : "Users → the operator"} → Edit security roles → System Administrator → Save.`,
        };
    }
    if (!isAccessError(access.error, "operator-access")) {
        const { detail, fix } = explainError(access.error);
        return { ...base, status: "fail", detail: `not reachable: ${detail}`, breaks: "everything in this environment", fix };
    }
    const refused = explainError(access.error).detail;
    if (operator.kind === "user") {
        return {
            ...base,
            status: "fail",
            detail: `Dataverse refuses the signed-in operator: ${refused}`,
            breaks: "giving the account its user, access mode and System Administrator role in this environment",
            fix:
                `Power Platform admin center → Manage → Environments → ${environment.displayName} → Settings → Users + permissions → Users → ` +
                "the operator → Manage security roles → System Administrator.",
        };
    }
    if (context.addOperatorAppUser && operator.clientId) {
        return {
            ...base,
            status: "warn",
            detail: "the operator's application is not an application user here yet; the first `pulumi up` makes it one (Power Platform addAppUser, which gives it System Administrator)",
            fix: `nothing needed; to do it beforehand: ${appUserFix}.`,
        };
    }
    return {
        ...base,
        status: "fail",
        detail: `the operator's application is not an application user here, and ${NAMESPACE}:addOperatorAppUser is false`,
        breaks: "giving the account its user, access mode and System Administrator role in this environment",
        fix: `${appUserFix}; or set ${NAMESPACE}:addOperatorAppUser to true to have \`pulumi up\` do it.`,
    };
}

function serviceAccountCheck(context: CheckContext, snapshot: TenantSnapshot): CheckResult {
    const name = describeServiceAccount(context.config.serviceAccount);
    const base = { id: "service-account", title: `Service account ${name}` };
    const account = snapshot.account;
    if (!account) return { ...base, status: "skip", detail: "not read" };
    if (!account.ok)
        return { ...base, status: "fail", detail: `could not be read: ${explainError(account.error).detail}`, fix: explainError(account.error).fix };
    if (!account.value) {
        return {
            ...base,
            status: "fail",
            detail: "no user in the tenant has this user principal name or object id",
            breaks: "every preview: the program resolves the account first",
            fix: `check ${NAMESPACE}:serviceAccount and azuread:tenantId; or create the account: Microsoft 365 admin center → Users → Active users → Add a user.`,
        };
    }
    if (!account.value.accountEnabled) {
        return {
            ...base,
            status: "fail",
            detail: `${account.value.userPrincipalName} exists but sign-in is blocked (accountEnabled false)`,
            breaks: "Dataverse disables a blocked user, so the account cannot be given System Administrator, and the backup product cannot sign in",
            fix: `Microsoft 365 admin center → Users → Active users → ${account.value.userPrincipalName} → Unblock sign-in (Entra: the user → Edit properties → Settings → Account enabled).`,
        };
    }
    return { ...base, status: "ok", detail: `${account.value.userPrincipalName} exists and may sign in (object id ${account.value.id})` };
}

function licenceCheck(context: CheckContext, snapshot: TenantSnapshot): CheckResult {
    const base = { id: "licence", title: "Dynamics 365 licence" };
    const licences = snapshot.licences;
    if (!licences) return { ...base, status: "skip", detail: "the account was not found" };
    if (!licences.ok)
        return { ...base, status: "fail", detail: `could not be read: ${explainError(licences.error).detail}`, fix: explainError(licences.error).fix };
    const { licensedSkus, pendingSkus } = summarizeDynamicsLicenses(licences.value);
    if (licensedSkus.length) return { ...base, status: "ok", detail: licensedSkus.join(", ") };
    const upn =
        snapshot.account?.ok && snapshot.account.value ? snapshot.account.value.userPrincipalName : describeServiceAccount(context.config.serviceAccount);
    if (pendingSkus.length) {
        return {
            ...base,
            status: "warn",
            detail: `${pendingSkus.join(", ")} assigned, its Dynamics plans not provisioned yet`,
            fix: "licence assignment is asynchronous: wait a few minutes and run the doctor again.",
        };
    }
    return {
        ...base,
        status: context.config.requireDynamicsLicense ? "fail" : "warn",
        detail: `none (assigned: ${licences.value.map((l) => l.skuPartNumber).join(", ") || "nothing"})`,
        breaks: "adding the account to the environments: Power Platform refuses an unlicensed user (userNotLicensed); the preview stops first",
        fix: `Microsoft 365 admin center → Users → Active users → ${upn} → Licenses and apps → select a Dynamics 365 licence (e.g. DYN365_ENTERPRISE_PLAN1) → Save changes.`,
    };
}

/**
 * Global Administrator the account holds through a role-assignable group or as a PIM
 * eligibility: the program grants and removes only direct assignments, so no stage ends
 * these, and the account stays (or can become) Global Administrator whatever the stage.
 */
function unmanagedGlobalAdministratorCheck(context: CheckContext, snapshot: TenantSnapshot): CheckResult {
    const base = { id: "unmanaged-global-administrator", title: "Global Administrator through a group or PIM eligibility" };
    const held = snapshot.unmanagedGlobalAdministrator;
    if (!held) return { ...base, status: "skip", detail: "the account was not found" };
    if (!held.ok) {
        const { detail, fix } = explainError(held.error);
        return { ...base, status: "warn", detail: `could not be read: ${detail}`, ...(fix ? { fix } : {}) };
    }
    const { throughGroups, eligible } = held.value;
    if (throughGroups.length === 0 && eligible.length === 0) {
        return { ...base, status: "ok", detail: "none (neither through a role-assignable group nor eligible in PIM)" };
    }
    const name = describeServiceAccount(context.config.serviceAccount);
    const found = [
        ...throughGroups.map((group) => `through the role-assignable group ${group.displayName} (${group.id})`),
        ...eligible.map(
            (entry) =>
                `eligible in PIM${entry.throughGroup ? ` through the group ${entry.throughGroup.displayName} (${entry.throughGroup.id})` : ""}` +
                (entry.endDateTime ? ` until ${entry.endDateTime}` : " (permanently)"),
        ),
    ];
    return {
        ...base,
        status: "warn",
        detail: `${name} holds Global Administrator ${found.join("; ")}. The program does not manage these: no stage grants or removes them`,
        breaks: "the operational stage's promise: the account keeps (or can activate) Global Administrator after the program removed its own assignment",
        fix:
            "if not intended, Microsoft Entra admin center → Identity → Roles & admins → Global Administrator → " +
            (throughGroups.length ? "Assignments → remove the group, or Groups → the group → Members → remove the account" : "") +
            (throughGroups.length && eligible.length ? "; and " : "") +
            (eligible.length ? "Eligible assignments → remove the account's (or its group's) eligibility" : "") +
            ".",
    };
}
