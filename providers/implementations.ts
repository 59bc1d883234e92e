// The provider implementation behind each hosted resource type (hosting/hosted-provider.ts),
// as host-entry.js hands them out: one per type per provider process, all made with
// one key, so they share one client context (one environment listing, one token per
// audience, one concurrency limit per host) for the whole command.

import * as pulumi from "@pulumi/pulumi";

import { HostedResourceType } from "./hosting/hosted-provider";
import { ProviderKey } from "./hosting/provider-runtime";
import { environmentUserProvider } from "./resources/environment-user";
import { securityRoleAssignmentProvider } from "./resources/security-role-assignment";
import { timeBoundRoleAssignmentProvider } from "./resources/time-bound-role-assignment";

const FACTORIES: Record<HostedResourceType, (key: ProviderKey) => pulumi.dynamic.ResourceProvider> = {
    EnvironmentUser: environmentUserProvider,
    SecurityRoleAssignment: securityRoleAssignmentProvider,
    TimeBoundRoleAssignment: timeBoundRoleAssignmentProvider,
};

const PROCESS_KEY: ProviderKey = {};

export function implementationFor(resourceType: string): pulumi.dynamic.ResourceProvider {
    const factory = FACTORIES[resourceType as HostedResourceType];
    if (!factory) {
        throw new Error(
            `This version of d365-backup-access has no provider for the resource type ${JSON.stringify(resourceType)}; ` +
                `the stack's state was written by a newer version: update the project and run again.`,
        );
    }
    return factory(PROCESS_KEY);
}
