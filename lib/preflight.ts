// Checks made against the tenant before any resource is registered, so a preview
// already fails on what would fail the update: the environments to back up (unknown
// ids, no Dataverse) and the account's Dynamics licence. Every problem is reported in
// one message. It also finds the access the account already holds (directory roles,
// security-group memberships), which the program adopts instead of creating again:
// Graph refuses a second identical role assignment or membership. The tenant is read
// through an injected reader, so this stays testable.

import type { DirectoryRoleAssignmentInfo, EnvironmentInfo, LicenseDetail } from "../providers";
import { describeServiceAccount, NAMESPACE, ProgramConfig } from "./config";
import { EnvironmentPlan, EnvironmentSelectionError, planEnvironments } from "./environment-plan";

export interface TenantReader {
    /** Every Power Platform environment of the tenant (all pages). */
    listEnvironments(): Promise<EnvironmentInfo[]>;
    /** The account's licences, by its Entra object id. */
    licenseDetails(userObjectId: string): Promise<LicenseDetail[]>;
    /** Which assigned licences give Dynamics 365 now, and which are still provisioning. */
    summarizeLicenses(details: readonly LicenseDetail[]): { licensedSkus: string[]; pendingSkus: string[] };
    /** The account's active directory role assignments. */
    directoryRoleAssignments(principalId: string): Promise<DirectoryRoleAssignmentInfo[]>;
    /** Whether the account is already a direct member of the group. */
    isGroupMember(groupId: string, memberId: string): Promise<boolean>;
}

/** Access the account holds already, to adopt rather than create. */
export interface ExistingAccess {
    /** Tenant-wide assignment id by role template id. */
    readonly roleAssignmentIds: Readonly<Record<string, string>>;
    /** Security groups (lower-case ids) the account is already a direct member of. */
    readonly groupMemberships: readonly string[];
}

export interface PreflightReport {
    readonly environments: EnvironmentPlan;
    /** Dynamics SKUs the account holds (empty when unlicensed and the check is only a warning). */
    readonly dynamicsLicenses: readonly string[];
    readonly warnings: readonly string[];
    readonly existing: ExistingAccess;
}

export class PreflightError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`The tenant is not ready; nothing was changed:\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "PreflightError";
    }
}

const ACCEPTED_LICENCES =
    "a Dynamics 365 licence such as DYN365_ENTERPRISE_PLAN1, DYN365_ENTERPRISE_SALES, DYN365_ENTERPRISE_CUSTOMER_SERVICE or D365_SALES_PRO";

function licenceProblem(account: string, pendingSkus: readonly string[]): string {
    if (pendingSkus.length > 0) {
        return (
            `${account} has ${pendingSkus.join(", ")} assigned, but its Dynamics 365 service plans are not provisioned yet; ` +
            `licence assignment is asynchronous, so wait a few minutes and run again.`
        );
    }
    return (
        `${account} has no Dynamics 365 licence; assign it ${ACCEPTED_LICENCES} in the Microsoft 365 admin center, ` +
        `or set ${NAMESPACE}:requireDynamicsLicense to false to make this a warning.`
    );
}

export async function preflight(
    config: ProgramConfig,
    serviceAccountObjectId: string,
    tenant: TenantReader,
    log: (message: string) => void,
): Promise<PreflightReport> {
    const account = describeServiceAccount(config.serviceAccount);
    const [environments, licences, assignments] = await Promise.all([
        tenant.listEnvironments(),
        tenant.licenseDetails(serviceAccountObjectId),
        tenant.directoryRoleAssignments(serviceAccountObjectId),
    ]);

    const problems: string[] = [];
    const warnings: string[] = [];

    let plan: EnvironmentPlan = { targets: [], skipped: [] };
    try {
        plan = planEnvironments(config.environments, environments);
    } catch (error) {
        if (!(error instanceof EnvironmentSelectionError)) throw error;
        problems.push(...error.problems);
    }

    const { licensedSkus, pendingSkus } = tenant.summarizeLicenses(licences);
    if (licensedSkus.length === 0) {
        const problem = licenceProblem(account, pendingSkus);
        if (config.requireDynamicsLicense) problems.push(problem);
        else warnings.push(problem);
    }

    if (problems.length > 0) throw new PreflightError(problems);
    if (plan.targets.length === 0) {
        warnings.push(`No environment with Dataverse was found to back up; check ${NAMESPACE}:environments and that azuread:tenantId is this customer's tenant.`);
    }

    const groups = [...new Set(plan.targets.map((target) => target.securityGroupId).filter((id): id is string => !!id))];
    const memberships = await Promise.all(groups.map((group) => tenant.isGroupMember(group, serviceAccountObjectId)));
    const existing: ExistingAccess = {
        roleAssignmentIds: Object.fromEntries(
            assignments.filter((a) => a.directoryScopeId === "/").map((a) => [a.roleDefinitionId.toLowerCase(), a.id]),
        ),
        groupMemberships: groups.filter((_, index) => memberships[index]),
    };

    log(
        `${environments.length} environment(s) in the tenant; ${plan.targets.length} to back up` +
            (plan.skipped.length ? `, ${plan.skipped.length} skipped (no Dataverse)` : "") +
            (licensedSkus.length ? `; ${account} is licensed (${licensedSkus.join(", ")}).` : "."),
    );
    return { environments: plan, dynamicsLicenses: licensedSkus, warnings, existing };
}
