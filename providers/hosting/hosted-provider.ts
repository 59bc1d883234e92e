// What a dynamic resource stores in state as its provider (`__provider`): one line that
// names the resource type and loads the implementation from the project at run time,
// instead of a serialized copy of the whole client stack (about 100 KiB per resource,
// stored twice: in inputs and in outputs).
//
// Pulumi's provider host (@pulumi/pulumi/cmd/dynamic-provider) loads `__provider` with
// require-from-string in the project directory, its working directory, and calls the
// module's `handler()` to get the provider object. dynamic.Resource fills `__provider`
// by serializing the provider object with every function it reaches (local modules are
// copied by value); even a stub with seven delegating methods comes to about 2.4 KiB
// that way, and its text follows the TypeScript compiler's output. So our resources
// write the module text themselves: the same fixed text for every resource of a type,
// with no path of the machine in it (refresh and destroy work from a fresh clone
// elsewhere) and no configuration (secrets reach the provider through configure()).
// The host-side entry, providers/host-entry.js, is the contract this text depends on.
//
// Consequence worth knowing: read (refresh) and delete run the project's current code,
// not the code of the update that wrote the state, so every version must read the
// outputs earlier versions wrote (they have only ever gained fields).

import * as pulumi from "@pulumi/pulumi";

export type HostedResourceType = "EnvironmentUser" | "SecurityRoleAssignment" | "TimeBoundRoleAssignment";

/** The project-relative file every stored provider loads. */
export const HOST_ENTRY = "providers/host-entry.js";

/** The module text stored as `__provider` for a resource type. */
export function hostedProviderText(resourceType: HostedResourceType): string {
    return `exports.handler = () => require(require("path").resolve(${JSON.stringify(HOST_ENTRY)})).provider(${JSON.stringify(resourceType)});\n`;
}

/**
 * A dynamic resource (type `pulumi-nodejs:dynamic/<module>:<type>`, the same token
 * dynamic.Resource makes) whose provider is the hosted implementation of its type.
 */
export abstract class HostedResource extends pulumi.CustomResource {
    protected constructor(
        module: string,
        resourceType: HostedResourceType,
        name: string,
        props: pulumi.Inputs,
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(`pulumi-nodejs:dynamic/${module}:${resourceType}`, name, { ...props, __provider: hostedProviderText(resourceType) }, opts);
    }
}

const HOSTED_TEXTS: readonly string[] = (["EnvironmentUser", "SecurityRoleAssignment", "TimeBoundRoleAssignment"] as const).map(hostedProviderText);

/**
 * True when state holds a provider other than today's hosted one: a serialized copy of
 * the clients written by a version before hosted providers (or an older hosted text).
 * diff() then asks for an update, which rewrites the stored provider and calls nothing
 * in the tenant: that is how an upgraded stack's state shrinks.
 */
export function isLegacyProviderText(stored: unknown): boolean {
    return typeof stored === "string" && !HOSTED_TEXTS.includes(stored);
}
