// What the tenant itself says the account holds, read from the emulated tenant's state
// (never from the program's outputs): its directory roles, and per environment with
// Dataverse its user, access mode and System Administrator role. The environments the
// program skipped (its stack output skippedEnvironments) are marked with their reason.

import { formatTable } from "../cli";
import { TenantState } from "../emulator";
import type { SkippedEnvironment } from "../lib/environment-plan";
import { accessModeName, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../providers";
import { DIRECTORY_ROLES } from "../lib/directory-roles";

export interface EnvironmentView {
    readonly id: string;
    readonly name: string;
    readonly user: boolean;
    readonly accessMode: string | null;
    readonly systemAdministrator: boolean;
}

export interface TenantView {
    readonly directoryRoles: string[];
    readonly environments: EnvironmentView[];
}

export function viewOf(tenant: TenantState, accountId: string): TenantView {
    const roleName = (templateId: string) => DIRECTORY_ROLES.find((role) => role.templateId === templateId)?.displayName ?? templateId;
    return {
        directoryRoles: tenant.directoryRoleAssignments
            .filter((assignment) => assignment.principalId === accountId)
            .map((assignment) => roleName(assignment.roleDefinitionId))
            .sort(),
        environments: tenant.environments
            .filter((environment) => environment.dataverse)
            .map((environment) => {
                const user = environment.systemUsers.find((candidate) => candidate.azureActiveDirectoryObjectId === accountId);
                return {
                    id: environment.id,
                    name: environment.displayName,
                    user: !!user,
                    accessMode: user ? accessModeName(user.accessMode) : null,
                    systemAdministrator: !!user?.roleTemplateIds.includes(SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID),
                };
            }),
    };
}

/**
 * The final table: one block per stage, a line per environment; an environment the program
 * skipped shows its reason code where the role would be, and the reasons follow the stages.
 */
export function formatViews(rows: readonly { stage: string; view: TenantView }[], skipped: readonly SkippedEnvironment[] = []): string {
    const reasonOf = new Map(skipped.map((entry) => [entry.id.toLowerCase(), entry]));
    // Fixed widths, so the blocks of every stage line up.
    const layout = { style: "bare", indent: "    ", gap: " ", minWidths: [32, 20] } as const;
    const lines: string[] = [];
    for (const { stage, view } of rows) {
        lines.push(`${stage}: ${view.directoryRoles.join(", ") || "no directory role"}`);
        const environments = view.environments.map((environment) => {
            const user = environment.user ? `user, ${environment.accessMode}` : "not a user";
            const entry = reasonOf.get(environment.id.toLowerCase());
            const role = entry ? `skipped [${entry.reasonCode}]` : environment.systemAdministrator ? "System Administrator" : "no System Administrator";
            return [environment.name, user, role];
        });
        if (environments.length > 0) lines.push(formatTable(environments, layout));
    }
    if (skipped.length > 0) {
        lines.push("skipped by the program (stack output skippedEnvironments), and why:");
        lines.push(
            formatTable(
                skipped.map((entry) => [entry.displayName, `[${entry.reasonCode}] ${entry.reason}`]),
                layout,
            ),
        );
    }
    return lines.join("\n");
}
