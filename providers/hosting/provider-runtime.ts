// What our dynamic providers share at run time: the configuration their
// configure() received and one client context per provider (and mode). The input
// checks they share are in inputs.ts; the provider object itself is made in
// hosted-provider.ts.
//
// The configuration (decrypted secrets included) is never reachable from a provider
// object: it is kept in a registry on globalThis, keyed by an empty object the
// provider holds, and filled when the provider host calls configure(). State written
// by versions before hosted-provider.ts holds serialized copies of these providers;
// a host loading such a copy (refresh and delete of a stack not yet updated) runs it
// beside the current code, and each keeps its own context.

import { ClientContext, createClientContext } from "../transport/context";
import { pickClientConfig } from "../transport/settings/reader";
import { readOnlySettings, removalSettings, resolveClientSettings } from "../transport/settings/resolve";
import { ConfigSource } from "../transport/settings/types";

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
 * same key share it: the host's resource types use one (implementations.ts), so
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
