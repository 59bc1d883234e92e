// Runs the pack's policies the way the analyzer does, without its gRPC server:
// validateResource for each resource, then validateStack with all of them, collecting
// what each reports. Resources are plain {type, name, props}; the URN is made up the
// way Pulumi makes it.

import { Policies, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

import { ResourceView } from "../../policy/resources";
import { StackConfig } from "../../policy/stack-config";
import { buildPolicies } from "../../policy/policies";

export interface Violation {
    readonly policy: string;
    readonly message: string;
    readonly urn?: string;
}

export function fakeResource(type: string, name: string, props: Record<string, any>): ResourceView {
    return { type, name, props, urn: `urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$${type}::${name}` };
}

export function stackConfig(values: Record<string, string> | undefined): StackConfig {
    return { values, stack: "contoso" };
}

const notApplicable = (reason?: string): never => {
    throw new Error(`notApplicable(${reason}) is not expected from these policies`);
};

function resourceArgs(resource: ResourceView): ResourceValidationArgs {
    return {
        ...resource,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
    };
}

function stackArgs(resources: readonly ResourceView[]): StackValidationArgs {
    return {
        resources: resources.map((resource) => ({ ...resourceArgs(resource), dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource),
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
    };
}

/** Every violation the given policies (by default the whole pack) report for these resources and this configuration. */
export async function violations(
    resources: readonly ResourceView[],
    config: StackConfig,
    policies: Policies = buildPolicies(() => config),
): Promise<Violation[]> {
    const found: Violation[] = [];
    for (const policy of policies) {
        const validateResource = (policy as ResourceValidationPolicy).validateResource;
        if (validateResource) {
            for (const resource of resources) {
                for (const validate of Array.isArray(validateResource) ? validateResource : [validateResource]) {
                    await validate(resourceArgs(resource), (message) => found.push({ policy: policy.name, message, urn: resource.urn }));
                }
            }
        }
        const validateStack = (policy as StackValidationPolicy).validateStack;
        if (validateStack) {
            await validateStack(stackArgs(resources), (message, urn) => found.push({ policy: policy.name, message, urn }));
        }
    }
    return found;
}
