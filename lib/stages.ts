// The procedure as data: which directory roles the service account holds after each
// stage. Pure, so the whole stage model is unit-testable without Pulumi.
//
// Moving between stages only adds or removes role assignments. Pulumi creates the
// assignments a stage adds before it deletes those the stage no longer declares
// (deletions of resources that left the program run at the end of an update, and not
// at all when an earlier step failed), so going to "operational" grants Power Platform
// Administrator before it revokes Global Administrator and never leaves the account
// without an administrative role.

import { DirectoryRole, DYNAMICS_365_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "./directory-roles";

export const STAGES = ["bootstrap", "operational", "reauth"] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(value: string): value is Stage {
    return (STAGES as readonly string[]).includes(value);
}

export interface StagePlan {
    readonly stage: Stage;
    /** The directory roles the account holds once the stage is applied. Every stage also
     *  ensures the account's access to the environments: that is idempotent, so a
     *  bootstrap run already prepares the environments the connector will back up. */
    readonly directoryRoles: readonly DirectoryRole[];
    /** Those of directoryRoles held through Entra PIM for a few hours only (elevationHours
     *  set: Global Administrator); the others are permanent assignments. */
    readonly timeBoundRoles: readonly DirectoryRole[];
}

const DIRECTORY_ROLES_BY_STAGE: Record<Stage, readonly DirectoryRole[]> = {
    // Creating the backup connector needs Global Administrator and Dynamics 365 Administrator.
    bootstrap: [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR],
    // Least privilege once the connector exists.
    operational: [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR],
    // Re-authenticating the connector needs Global Administrator again, temporarily.
    reauth: [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR],
};

/** With `timeBoundElevation`, Global Administrator (the only temporary role) ends by itself. */
export function planStage(stage: Stage, timeBoundElevation = false): StagePlan {
    const directoryRoles = DIRECTORY_ROLES_BY_STAGE[stage];
    return { stage, directoryRoles, timeBoundRoles: timeBoundElevation ? directoryRoles.filter((role) => role === GLOBAL_ADMINISTRATOR) : [] };
}
