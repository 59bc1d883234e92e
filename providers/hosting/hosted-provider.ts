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
//
// Also here: hostedProvider(), the provider object host-entry.js hands out for a type,
// made from what sets the resource apart (its check, diff, create, read, update and
// delete) and the configuration and client contexts every provider shares
// (provider-runtime.ts).

import * as pulumi from "@pulumi/pulumi";

import { ClientContext } from "../transport/context";
import { CheckFailure } from "./inputs";
import { configureProvider, providerContext, ProviderKey } from "./provider-runtime";

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
    protected constructor(module: string, resourceType: HostedResourceType, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
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

type Props = Record<string, unknown>;
/** The client context, built on first use: some operations never need one. */
export type ContextSource = () => Promise<ClientContext>;

/**
 * What sets one of our providers apart; configure() and the client context are the same for all.
 * check and diff get no client context: they decide from the inputs and state alone.
 */
export interface HostedProviderMethods {
    check(news: Props): { inputs: Props; failures: CheckFailure[] };
    diff(olds: Props, news: Props): pulumi.dynamic.DiffResult;
    create(context: ContextSource, inputs: Props): Promise<pulumi.dynamic.CreateResult>;
    /** Gets the read-only context: a refresh (and `preview --refresh`) only ever reads the tenant. */
    read(context: ContextSource, id: string, props: Props): Promise<pulumi.dynamic.ReadResult>;
    update(context: ContextSource, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult>;
    /** Gets the removal context: it writes, but never makes the operator an application user. */
    delete(context: ContextSource, props: Props): Promise<void>;
}

/**
 * A provider object; its configuration lives in the provider host, never in the object.
 * Objects made with the same key share configuration and client contexts. `read` runs
 * with the read-only context whatever the environment says, so a refresh can neither
 * change the tenant nor make the operator an application user: only create, update and
 * delete get a context that writes. `delete` writes without ever making the operator an
 * application user: a destroy, or an environment removed from the list, gives access back
 * and must not leave the operator System Administrator of that environment (BAP
 * addAppUser grants it, and nothing removes it again).
 */
export function hostedProvider(key: ProviderKey, methods: HostedProviderMethods): pulumi.dynamic.ResourceProvider {
    const context: ContextSource = () => providerContext(key);
    const readOnlyContext: ContextSource = () => providerContext(key, "read-only");
    const removalContext: ContextSource = () => providerContext(key, "removal");
    return {
        configure: async (request) => configureProvider(key, request.config),
        check: async (_olds, news) => methods.check(news),
        diff: async (_id, olds, news) => methods.diff(olds, news),
        create: (inputs) => methods.create(context, inputs),
        read: (id, props) => methods.read(readOnlyContext, id, props),
        update: (_id, olds, news) => methods.update(context, olds, news),
        delete: (_id, props) => methods.delete(removalContext, props),
    };
}
