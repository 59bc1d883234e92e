// Checks made against the tenant before any resource is registered, so a preview
// already fails on what would fail the update: the environments to back up (unknown
// ids, no Dataverse) and the account's Dynamics licence. Every problem is reported in
// one message. The tenant is read through an injected reader, so this stays testable.

import type { EnvironmentInfo, LicenseDetail } from "../providers";
import { describeServiceAccount, NAMESPACE, ProgramConfig } from "./config";
import { EnvironmentPlan, EnvironmentSelectionError, planEnvironments } from "./environment-plan";

export interface TenantReader {
    /** Every Power Platform environment of the tenant (all pages). */
    listEnvironments(): Promise<EnvironmentInfo[]>;
    /** The account's licences, by its Entra object id. */
    licenseDetails(userObjectId: string): Promise<LicenseDetail[]>;
    /** Which assigned licences give Dynamics 365 now, and which are still provisioning. */
    summarizeLicenses(details: readonly LicenseDetail[]): { licensedSkus: string[]; pendingSkus: string[] };
}

export interface PreflightReport {
    readonly environments: EnvironmentPlan;
    /** Dynamics SKUs the account holds (empty when unlicensed and the check is only a warning). */
    readonly dynamicsLicenses: readonly string[];
    readonly warnings: readonly string[];
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
    const [environments, licences] = await Promise.all([tenant.listEnvironments(), tenant.licenseDetails(serviceAccountObjectId)]);

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
    log(
        `${environments.length} environment(s) in the tenant; ${plan.targets.length} to back up` +
            (plan.skipped.length ? `, ${plan.skipped.length} skipped (no Dataverse)` : "") +
            (licensedSkus.length ? `; ${account} is licensed (${licensedSkus.join(", ")}).` : "."),
    );
    return { environments: plan, dynamicsLicenses: licensedSkus, warnings };
}
