// Serializes a dynamic provider the way dynamic.Resource does and loads it back the
// way the provider host (@pulumi/pulumi/cmd/dynamic-provider) does.

import * as pulumi from "@pulumi/pulumi";

export interface SerializedProvider {
    /** The text Pulumi stores in state as __provider. */
    readonly text: string;
    /** The provider as the host sees it after require-from-string(text).handler(). */
    readonly provider: pulumi.dynamic.ResourceProvider;
}

export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<SerializedProvider> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return { text: serialized.text, provider: loadProvider(serialized.text) };
}

/** A fresh copy of a serialized provider, with its own run-time state, as a new host process would load it. */
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
