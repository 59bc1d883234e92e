// The operator's instructions after an update: what to do by hand next and the exact
// command that moves the stack to the following stage.

import { Stage } from "./stages";

export interface NextStepsContext {
    /** The Pulumi stack (one per tenant), so the commands work from any selected stack. */
    readonly stack: string;
    /** How the operator knows the account: its UPN, or its object id. */
    readonly serviceAccount: string;
}

/**
 * The CLI as this project runs it: `npx pulumi` is the version pinned in package.json,
 * and works where no global `pulumi` is installed.
 */
const PULUMI = "npx pulumi";

function moveTo(stage: Stage, stack: string): string {
    return `${PULUMI} config set --stack ${stack} d365-backup-access:stage ${stage} && ${PULUMI} up --stack ${stack}`;
}

export function nextSteps(stage: Stage, { stack, serviceAccount }: NextStepsContext): string {
    switch (stage) {
        case "bootstrap":
            return [
                `${serviceAccount} holds Global Administrator and Dynamics 365 Administrator.`,
                `1. Sign in to the backup product as ${serviceAccount} and create the Dynamics 365 connector.`,
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
            return [
                `${serviceAccount} holds Global Administrator again, temporarily.`,
                `1. Re-authenticate the Dynamics 365 connector in the backup product now.`,
                `2. Then remove Global Administrator at once:`,
                `   ${moveTo("operational", stack)}`,
            ].join("\n");
    }
}
