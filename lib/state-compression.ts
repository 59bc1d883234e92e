// Whether a large tenant's state should be written compressed, and what the preview says
// when it is not. One rule for the program's preview, the tenants workflow and the
// benchmark.
//
// Why: on a self-managed backend (a local file, Azure Blob, S3, GCS) the engine writes the
// whole checkpoint after every step, one save at a time, and each step waits for its save:
// a first update of 1,000 environments makes about 4,000 saves of up to 5 MiB. A CPU
// profile of the CLI puts most of each save in bytes: the JSON encoding, an MD5 of the
// file and of its `.bak` copy, and the writes. With PULUMI_DIY_BACKEND_ZSTD=true the CLI
// writes the checkpoint compressed with zstd (about 30 times smaller here); the hashing,
// the copy and the writes shrink with it, and on Azure Blob, S3 or GCS so does every
// upload. Measured with `npm run bench` (docs/large-tenants.md): the first update of 1,000
// environments went from 223 s to 174 s on the same quiet 2-core machine.
//
// What it changes for a user: the stack's file is `<stack>.json.zst` instead of
// `<stack>.json` (the CLI converts it at the next write, either way); `pulumi stack
// export` and every Pulumi command read it as before. Pulumi Cloud ignores the variable
// (it saves state its own way). Small tenants gain nothing worth the change, so nothing
// is said to them.

import { recommendedParallel } from "./parallelism";

/** Pulumi's variable: a self-managed backend writes the checkpoint compressed with zstd. */
export const STATE_COMPRESSION_VARIABLE = "PULUMI_DIY_BACKEND_ZSTD";

/** Pulumi's other compression (gzip); the CLI refuses both at once. */
const GZIP_VARIABLE = "PULUMI_DIY_BACKEND_GZIP";

type Env = Readonly<Record<string, string | undefined>>;

/** True as Pulumi reads a boolean variable: "1" or "true" in any case. */
function pulumiBoolean(raw: string | undefined): boolean {
    const value = raw?.trim();
    return value === "1" || value?.toLowerCase() === "true";
}

/** True when this tenant is large enough for compressed state to pay: the same tenants that get a --parallel of their own. */
export function stateCompressionRecommended(environments: number): boolean {
    return recommendedParallel(environments) !== undefined;
}

/**
 * The backend named in the environment, when it is one that ignores the variable (Pulumi
 * Cloud or another service: an http(s) URL). A `pulumi login` without PULUMI_BACKEND_URL
 * leaves the program unable to tell, and the advice says where it applies.
 */
function serviceBackend(env: Env): boolean {
    return /^https?:\/\//i.test(env.PULUMI_BACKEND_URL?.trim() ?? "");
}

/**
 * What the preview tells a user of a large tenant whose state is written uncompressed;
 * undefined when it is compressed already (zstd or gzip), the backend is a service, or
 * the tenant is small.
 */
export function stateCompressionAdvice(environments: number, env: Env): string | undefined {
    if (!stateCompressionRecommended(environments)) return undefined;
    if (pulumiBoolean(env[STATE_COMPRESSION_VARIABLE]) || pulumiBoolean(env[GZIP_VARIABLE]) || serviceBackend(env)) return undefined;
    return (
        `${environments} environments to serve: on a self-managed backend (a local file, Azure Blob, S3 or GCS) set ` +
        `${STATE_COMPRESSION_VARIABLE}=true before \`pulumi up\`, so the state the engine saves after every step is written ` +
        `compressed; the first update of 1,000 environments took a fifth less time that way. Pulumi Cloud ignores it.`
    );
}
