// What our dynamic providers share at run time: the configuration their
// configure() received, one client context per provider, and input checks.
//
// The configuration (decrypted secrets included) is never reachable from a provider
// object: it is kept in a registry on globalThis, keyed by an empty object the
// provider holds, and filled when the provider host calls configure(). State written
// by versions before hosted-provider.ts holds serialized copies of these providers;
// a host loading such a copy (refresh and delete of a stack not yet updated) runs it
// beside the current code, and each keeps its own context.

import type * as pulumi from "@pulumi/pulumi";

import { ClientContext, createClientContext } from "../transport/context";
import { ConfigSource, pickClientConfig, readOnlySettings, removalSettings, resolveClientSettings } from "../transport/settings";

/** The key an instance of a provider keeps; deliberately empty. */
export type ProviderKey = object;

/**
 * "read-only": GET requests only and the operator never added, whatever the settings say.
 * "removal": a delete's: writes go out, the operator is never added (a Dataverse refusal
 * fails at once with the manual fix).
 */
export type ContextMode = "read-write" | "read-only" | "removal";

interface ProviderRuntime {
    config?: Record<string, unknown>;
    contexts: Partial<Record<ContextMode, Promise<ClientContext>>>;
}

const REGISTRY = "d365-backup-access.provider-runtime";

function runtimeOf(key: ProviderKey): ProviderRuntime {
    const holder = globalThis as unknown as Record<symbol, WeakMap<object, ProviderRuntime> | undefined>;
    const symbol = Symbol.for(REGISTRY);
    let registry = holder[symbol];
    if (!registry) {
        registry = new WeakMap();
        holder[symbol] = registry;
    }
    let runtime = registry.get(key);
    if (!runtime) {
        runtime = { contexts: {} };
        registry.set(key, runtime);
    }
    return runtime;
}

/** configure(): keep the keys the clients read, for this process only. */
export function configureProvider(key: ProviderKey, config: ConfigSource): void {
    const runtime = runtimeOf(key);
    runtime.config = pickClientConfig(config);
    runtime.contexts = {};
}

/**
 * The provider's client context, built on first use from the configuration and the
 * provider host's environment variables (ARM_*, D365BA_*). Providers made with the
 * same key share it: the host's two resource types use one (implementations.ts), so
 * they list environments once, sign in once per audience and share each host's
 * concurrency limit. The read-only context is a second one, with the same sign-in,
 * that only ever sends GET requests. A failed build is not kept, so the next operation
 * reports its own error.
 */
export function providerContext(key: ProviderKey, mode: ContextMode = "read-write"): Promise<ClientContext> {
    const runtime = runtimeOf(key);
    let context = runtime.contexts[mode];
    if (!context) {
        const building = buildContext(runtime.config ?? {}, mode);
        context = building;
        runtime.contexts[mode] = building;
        building.catch(() => {
            if (runtime.contexts[mode] === building) runtime.contexts[mode] = undefined;
        });
    }
    return context;
}

async function buildContext(config: ConfigSource, mode: ContextMode): Promise<ClientContext> {
    const settings = resolveClientSettings(config, process.env);
    return createClientContext(mode === "read-only" ? readOnlySettings(settings) : mode === "removal" ? removalSettings(settings) : settings);
}

/** The value Pulumi passes for inputs not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_ENVIRONMENT = /^default-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

/** Lower-cases a GUID; keeps the "Default-" prefix of the default environment's id. */
export function normalizeEnvironmentId(value: string): string {
    return DEFAULT_ENVIRONMENT.test(value) ? `Default-${value.slice("default-".length).toLowerCase()}` : value.toLowerCase();
}

/** Checks a required GUID input; unknown values pass (they are checked again when known). */
export function checkGuid(inputs: Record<string, unknown>, property: string, failures: CheckFailure[], example: string): string | undefined {
    const value = inputs[property];
    if (value === UNKNOWN) return value;
    if (typeof value !== "string" || !GUID.test(value.trim())) {
        failures.push({ property, reason: `${property} must be ${example} (a GUID); got ${JSON.stringify(value ?? null)}.` });
        return undefined;
    }
    return value.trim().toLowerCase();
}

export function checkEnvironmentId(inputs: Record<string, unknown>, failures: CheckFailure[]): string | undefined {
    const value = inputs.environmentId;
    if (value === UNKNOWN) return value;
    if (typeof value !== "string" || !(GUID.test(value.trim()) || DEFAULT_ENVIRONMENT.test(value.trim()))) {
        failures.push({
            property: "environmentId",
            reason: `environmentId must be a Power Platform environment id (a GUID, or Default-<tenant id>); got ${JSON.stringify(value ?? null)}.`,
        });
        return undefined;
    }
    return normalizeEnvironmentId(value.trim());
}

/** Names of the inputs among `properties` whose new value differs from the old one (or is not known yet). */
export function changedProperties(olds: Record<string, unknown>, news: Record<string, unknown>, properties: readonly string[]): string[] {
    return properties.filter((property) => {
        const next = news[property];
        if (next === UNKNOWN) return true;
        const previous = olds[property];
        const same =
            typeof previous === "string" && typeof next === "string" ? previous.toLowerCase() === next.toLowerCase() : previous === next;
        return !same;
    });
}

/** Drops undefined values: they cannot cross the engine's protobuf boundary. */
export function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/**
 * The outputs an update keeps when nothing in the tenant needs to change: the old
 * ones, without the stored provider (the host stores the new one).
 */
export function keptOutputs(olds: Record<string, unknown>): Record<string, unknown> {
    const { __provider: _stored, ...outputs } = olds;
    return outputs;
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
