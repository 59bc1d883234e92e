// Entry point: read and validate the stack configuration, build the component for the
// configured stage, export what the operator needs to see. Configuration problems
// stop the program before any resource is registered.

import * as pulumi from "@pulumi/pulumi";

import { ConfigError, describeServiceAccount, NAMESPACE, parseConfig, ProgramConfig } from "./lib/config";
import { nextSteps as nextStepsFor } from "./lib/next-steps";
import { ServiceAccountAccess } from "./lib/service-account-access";
import { planStage } from "./lib/stages";

function readConfig(): ProgramConfig {
    const stackConfig = new pulumi.Config(NAMESPACE);
    try {
        return parseConfig((key) => stackConfig.get(key));
    } catch (error) {
        // RunError ends the program with the message alone, without a stack trace.
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

const config = readConfig();
const plan = planStage(config.stage);
const access = new ServiceAccountAccess("backup-service-account", {
    serviceAccount: config.serviceAccount,
    plan,
});

export const stage = config.stage;
export const serviceAccountObjectId = access.serviceAccountObjectId;
export const directoryRoles = plan.directoryRoles.map((role) => role.displayName);
export const nextSteps = nextStepsFor(config.stage, {
    stack: pulumi.getStack(),
    serviceAccount: describeServiceAccount(config.serviceAccount),
});
