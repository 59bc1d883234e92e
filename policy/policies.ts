// Every rule of the pack, built around one way to read the stack configuration: the
// pack's entry point passes the real one, tests pass their own. Importing this module
// starts nothing (index.ts does, by constructing the PolicyPack).

import { Policies } from "@pulumi/policy";

import { noSecretInPlainConfig } from "./rules/config-secrets";
import { onlyDeclaredResourceTypes } from "./rules/declared-types";
import { expectedDirectoryRoles, grantsForConfiguredAccount } from "./rules/directory-roles";
import { environmentUsersReadWriteSystemAdministrator } from "./rules/environment-access";
import { globalAdministratorTimeBound, noGlobalAdministratorInOperational } from "./rules/global-administrator";
import { StackConfig } from "./stack-config";

export const POLICY_PACK_NAME = "d365-backup-access";

export function buildPolicies(config: () => StackConfig): Policies {
    return [
        onlyDeclaredResourceTypes(),
        noGlobalAdministratorInOperational(config),
        globalAdministratorTimeBound(config),
        expectedDirectoryRoles(),
        grantsForConfiguredAccount(config),
        environmentUsersReadWriteSystemAdministrator(config),
        noSecretInPlainConfig(config),
    ];
}
