// The operator's instructions after an update: what to do by hand next and the exact
// command that moves the stack to the following stage.

import { Stage } from "./stages";

export interface NextStepsContext {
    /** The Pulumi stack (one per tenant), so the commands work from any selected stack. */
    readonly stack: string;
    /** How the operator knows the account: its UPN, or its object id. */
    readonly serviceAccount: string;
    /** Global Administrator through Entra PIM (elevationHours set), as the update left it. */
    readonly elevation?: ElevationState;
}

export interface ElevationState {
    /** ISO 8601, UTC. */
    readonly endDateTime: string;
    readonly status: "active" | "ended";
    /** Now, in epoch milliseconds. */
    readonly now: number;
}

function formatUtc(iso: string): string {
    const time = Date.parse(iso);
    return Number.isNaN(time)
        ? iso
        : new Date(time)
              .toISOString()
              .replace(/:\d\d\.\d{3}Z$/, " UTC")
              .replace("T", " ");
}

/** True once the elevation is over: a refresh saw it gone, or its end has passed. */
export function elevationEnded(elevation: ElevationState): boolean {
    return elevation.status === "ended" || Date.parse(elevation.endDateTime) <= elevation.now;
}

/**
 * The CLI as this project runs it: `npx pulumi` is the version pinned in package.json,
 * and works where no global `pulumi` is installed.
 */
const PULUMI = "npx pulumi";

function moveTo(stage: Stage, stack: string): string {
    return `${PULUMI} config set --stack ${stack} d365-backup-access:stage ${stage} && ${PULUMI} up --stack ${stack}`;
}

/** The steps once a time-bound Global Administrator ended: ask again on purpose, or move on. */
function afterElevationEnded(action: string, { stack, serviceAccount, elevation }: NextStepsContext & { elevation: ElevationState }): string {
    return [
        `${serviceAccount}'s time-bound Global Administrator ended (${formatUtc(elevation.endDateTime)}); it is not granted again by itself.`,
        `To ${action}, ask for a new elevation on purpose, with a new justification:`,
        `   ${PULUMI} config set --stack ${stack} d365-backup-access:elevationJustification "<why, e.g. a ticket number>" && ${PULUMI} up --stack ${stack}`,
        `Otherwise move on to least privilege:`,
        `   ${moveTo("operational", stack)}`,
    ].join("\n");
}

/** "until …" for a time-bound Global Administrator that is still active. */
function until(elevation: ElevationState | undefined): string {
    return elevation ? ` (time-bound, until ${formatUtc(elevation.endDateTime)})` : "";
}

export function nextSteps(stage: Stage, context: NextStepsContext): string {
    const { stack, serviceAccount, elevation } = context;
    switch (stage) {
        case "bootstrap":
            if (elevation && elevationEnded(elevation)) return afterElevationEnded("create the Dynamics 365 connector", { ...context, elevation });
            return [
                `${serviceAccount} holds Global Administrator${until(elevation)} and Dynamics 365 Administrator.`,
                `1. Sign in to the backup product as ${serviceAccount} and create the Dynamics 365 connector${elevation ? ` before ${formatUtc(elevation.endDateTime)}` : ""}.`,
                `2. Right after that, remove Global Administrator (no need to wait for the first backup):`,
                `   ${moveTo("operational", stack)}`,
            ].join("\n");
        case "operational":
            return [
                `${serviceAccount} holds Dynamics 365 Administrator and Power Platform Administrator, and no Global Administrator.`,
                `Check for drift at any time: ${PULUMI} preview --stack ${stack} --refresh --expect-no-changes`,
                `When the backup product asks to re-authenticate the connector:`,
                `   ${moveTo("reauth", stack)}`,
            ].join("\n");
        case "reauth":
            if (elevation && elevationEnded(elevation)) return afterElevationEnded("re-authenticate the connector", { ...context, elevation });
            return [
                `${serviceAccount} holds Global Administrator again${elevation ? until(elevation) : ", temporarily"}.`,
                `1. Re-authenticate the Dynamics 365 connector in the backup product now${elevation ? ` (before ${formatUtc(elevation.endDateTime)})` : ""}.`,
                `2. Then remove Global Administrator at once:`,
                `   ${moveTo("operational", stack)}`,
            ].join("\n");
    }
}
