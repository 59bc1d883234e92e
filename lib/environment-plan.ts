// Which environments get the account, decided from the configured selection and what
// the tenant really has. Pure: the program fetches the environments, this decides.
//
// With ["*"] an environment without Dataverse holds no Dynamics data and is skipped
// (reported, not an error). Named explicitly, an unknown environment or one without
// Dataverse is a configuration mistake and stops the run before anything changes.

import type { EnvironmentInfo } from "../providers";
import { EnvironmentSelection, NAMESPACE } from "./config";
import { normalizeId } from "./ids";

/** An environment the account must be a System Administrator user of. */
export interface EnvironmentTarget {
    readonly id: string;
    readonly displayName: string;
    readonly instanceUrl: string;
    /** The Entra group the environment is restricted to; the account must be a member first. */
    readonly securityGroupId: string | undefined;
}

export interface SkippedEnvironment {
    readonly id: string;
    readonly displayName: string;
    readonly reason: string;
}

export interface EnvironmentPlan {
    readonly targets: readonly EnvironmentTarget[];
    readonly skipped: readonly SkippedEnvironment[];
}

export class EnvironmentSelectionError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `The environments to back up cannot be used; nothing was changed:\n` + problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "EnvironmentSelectionError";
    }
}

const NO_DATAVERSE = "no Dataverse database, so no Dynamics 365 data to back up";

function toTarget(environment: EnvironmentInfo): EnvironmentTarget {
    return {
        id: environment.id,
        displayName: environment.displayName,
        instanceUrl: environment.dataverse!.instanceUrl,
        securityGroupId: environment.securityGroupId?.toLowerCase(),
    };
}

export function planEnvironments(selection: EnvironmentSelection, available: readonly EnvironmentInfo[]): EnvironmentPlan {
    const byId = new Map(available.map((environment) => [normalizeId(environment.id), environment]));

    if (selection.kind === "all") {
        // A mistyped exclusion would silently leave in the environment it meant to leave out.
        const unknownExclusions = selection.exclude.filter((id) => !byId.has(id));
        if (unknownExclusions.length > 0) {
            throw new EnvironmentSelectionError(
                unknownExclusions.map(
                    (id) =>
                        `${NAMESPACE}:excludeEnvironments: ${id} is not an environment of this tenant, so it excludes nothing; ` +
                        `check the id in the Power Platform admin center or remove it.`,
                ),
            );
        }
        const excluded = new Set(selection.exclude);
        const chosen = available.filter((environment) => !excluded.has(normalizeId(environment.id)));
        return {
            targets: chosen.filter((environment) => environment.dataverse).map(toTarget),
            skipped: chosen
                .filter((environment) => !environment.dataverse)
                .map((environment) => ({ id: environment.id, displayName: environment.displayName, reason: NO_DATAVERSE })),
        };
    }

    const problems: string[] = [];
    const targets: EnvironmentTarget[] = [];
    for (const id of selection.ids) {
        const environment = byId.get(id);
        if (!environment) {
            problems.push(
                `${NAMESPACE}:environments: ${id} is not an environment of this tenant; check the id in the Power Platform ` +
                    `admin center (Environments → the environment → Environment ID) and that azuread:tenantId is this tenant's.`,
            );
        } else if (!environment.dataverse) {
            problems.push(
                `${NAMESPACE}:environments: ${id} ("${environment.displayName}") has ${NO_DATAVERSE}; remove it from the list ` +
                    `(with ["*"] such environments are skipped) or add a Dataverse database to it.`,
            );
        } else {
            targets.push(toTarget(environment));
        }
    }
    if (problems.length > 0) throw new EnvironmentSelectionError(problems);
    return { targets, skipped: [] };
}
