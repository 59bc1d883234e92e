// Loads providers the way Pulumi's provider host (@pulumi/pulumi/cmd/dynamic-provider)
// does: require-from-string(__provider).handler(). Our resources store a one-line
// hosted provider (providers/hosting/hosted-provider.ts); stacks written by earlier versions
// store a serialized copy of a provider object, which serializeProvider() reproduces.

import * as pulumi from "@pulumi/pulumi";

import { HostedResourceType, hostedProviderText } from "../../../providers/hosting/hosted-provider";

export interface SerializedProvider {
    /** The text Pulumi stores in state as __provider. */
    readonly text: string;
    /** The provider as the host sees it after require-from-string(text).handler(). */
    readonly provider: pulumi.dynamic.ResourceProvider;
}

/** A provider object serialized by value, as dynamic.Resource does (and as earlier versions stored theirs). */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<SerializedProvider> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return { text: serialized.text, provider: loadProvider(serialized.text) };
}

/** The hosted provider of a resource type, as stored in state and loaded by the host. */
export function hostedProvider(resourceType: HostedResourceType): SerializedProvider {
    const text = hostedProviderText(resourceType);
    return { text, provider: loadProvider(text) };
}

/** Loads a stored provider text as the host does. */
export function loadProvider(text: string): pulumi.dynamic.ResourceProvider {
    const requireFromString = require("require-from-string");
    return requireFromString(text).handler();
}

/** A configure() request like the host's: full keys, project keys by short name too. */
export function configRequest(values: Record<string, unknown>): pulumi.dynamic.ConfigureRequest {
    return {
        config: {
            get: (key: string) => values[key.includes(":") ? key : `d365-backup-access:${key}`] as string | undefined,
            require: (key: string) => {
                const value = values[key];
                if (value === undefined) throw new Error(`Missing required configuration key: ${key}`);
                return value as string;
            },
        },
    };
}
