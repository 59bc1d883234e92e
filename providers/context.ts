// The client context: settings, resolved endpoints, one token source and one HTTP
// layer, shared by every call a program run or a provider process makes. Built once
// per process (the providers keep theirs for the life of the provider host, so 50
// environments share one token per audience and one concurrency limit per host).
// Contexts with the same sign-in also share their token source, so the two providers
// in one host process sign in once per audience between them, not once each.

import { createCredential, TokenCredentialLike } from "./credentials";
import { accessError } from "./errors";
import { createHttpClient, HttpClient } from "./http";
import { ClientSettings, ConfigSource, describeCredential, EnvironmentVariables, normalizeEndpoint, resolveClientSettings } from "./settings";
import { createTokenSource, TokenSource } from "./tokens";

export interface ResolvedEndpoints {
    readonly login: string;
    readonly graph: string;
    readonly bap: string;
    readonly bapAudience: string;
    /** Graph tokens are for the Graph host itself. */
    readonly graphAudience: string;
}

export interface ClientContext {
    readonly settings: ClientSettings;
    readonly endpoints: ResolvedEndpoints;
    readonly http: HttpClient;
    readonly tokens: TokenSource;
    readonly log: (message: string) => void;
    /** Per-environment work done once per run (e.g. making the operator an application user). */
    readonly once: Map<string, Promise<unknown>>;
}

export interface ClientContextOptions {
    /** Where progress lines go; console.log by default (the Pulumi engine shows a provider's output). */
    readonly log?: (message: string) => void;
    /** Any @azure/identity credential, instead of the one the settings describe. */
    readonly credential?: TokenCredentialLike;
}

const METADATA_API_VERSION = "2022-09-01";

export async function createClientContext(settings: ClientSettings, options: ClientContextOptions = {}): Promise<ClientContext> {
    const log = options.log ?? ((message: string) => console.log(message));
    const endpoints = await resolveEndpoints(settings, log);
    const tokens = options.credential
        ? createTokenSource(options.credential, { describe: "supplied credential" })
        : sharedTokenSource(settings, endpoints.login, () =>
              createTokenSource(createCredential(settings.credential, endpoints.login), {
                  describe: describeCredential(settings.credential),
                  fallback: settings.credential.method === "azureCli" && settings.credential.fallback,
              }),
          );
    const http = createHttpClient({ settings: settings.http, tokens, log });
    return { settings, endpoints, http, tokens, log, once: new Map() };
}

/**
 * One token source per sign-in (credential settings and authority) in the process,
 * kept on globalThis so that serialized provider copies that state written by 0.1.0
 * still holds (they run with their own module copies) share it with the current code.
 * The key is a hash, so no secret is kept in it.
 */
function sharedTokenSource(settings: ClientSettings, authority: string, create: () => TokenSource): TokenSource {
    const { createHash } = require("crypto") as typeof import("crypto");
    const fingerprint = createHash("sha256").update(JSON.stringify([settings.credential, authority])).digest("hex");
    const holder = globalThis as unknown as Record<symbol, Map<string, TokenSource> | undefined>;
    const registry = Symbol.for("d365-backup-access.token-sources.v1");
    const sources = (holder[registry] ??= new Map<string, TokenSource>());
    let source = sources.get(fingerprint);
    if (!source) {
        source = create();
        sources.set(fingerprint, source);
    }
    return source;
}

/**
 * Proves the operator can sign in before anything else is asked of the tenant, so a
 * wrong secret or an unreachable endpoint is reported as what it is. The sign-in
 * endpoint is read through the HTTP layer first: a refused or unknown host fails at
 * once, naming it, instead of after the sign-in library's own retries.
 */
export async function checkOperatorSignIn(ctx: ClientContext): Promise<void> {
    const credential = ctx.settings.credential;
    const tenant = "tenantId" in credential ? credential.tenantId : undefined;
    if (tenant) {
        await ctx.http.send({
            service: "login",
            method: "GET",
            url: `${ctx.endpoints.login}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`,
            call: "read the tenant's sign-in configuration",
            explain: (answer) =>
                answer.status === 400 || answer.status === 404
                    ? { kind: "credential", fix: `check azuread:tenantId (or ARM_TENANT_ID): ${tenant} is not a tenant this sign-in endpoint knows.` }
                    : undefined,
        });
    }
    await ctx.tokens.get(ctx.endpoints.graphAudience);
}

/**
 * Settings and context in one step, from stack configuration with full keys
 * (pulumi.runtime.allConfig() in a program, the provider's configure() config) and
 * environment variables.
 */
export async function clientContextFromConfig(
    config: ConfigSource,
    env: EnvironmentVariables = process.env,
    options: ClientContextOptions = {},
): Promise<ClientContext> {
    return createClientContext(resolveClientSettings(config, env), options);
}

/**
 * The azuread provider's metadata host, when set, names the sign-in and Graph
 * endpoints of a custom cloud; explicit endpoint settings still win.
 */
async function resolveEndpoints(settings: ClientSettings, log: (message: string) => void): Promise<ResolvedEndpoints> {
    const configured = settings.endpoints;
    let login = configured.login;
    let graph = configured.graph;
    if (configured.metadataHost && (!configured.loginExplicit || !configured.graphExplicit)) {
        const discovered = await readCloudMetadata(settings, configured.metadataHost, log);
        if (!configured.loginExplicit) login = discovered.login;
        if (!configured.graphExplicit) graph = discovered.graph;
    }
    return {
        login,
        graph,
        bap: configured.bap,
        bapAudience: configured.bapAudience,
        graphAudience: new URL(graph).origin,
    };
}

async function readCloudMetadata(settings: ClientSettings, host: string, log: (message: string) => void): Promise<{ login: string; graph: string }> {
    const noTokens: TokenSource = {
        get: () => Promise.reject(new Error("the metadata endpoint takes no token")),
        invalidate: () => undefined,
    };
    const http = createHttpClient({ settings: settings.http, tokens: noTokens, log });
    const response = await http.send<{ authentication?: { loginEndpoint?: unknown }; microsoftGraphResourceId?: unknown }>({
        service: "metadata",
        method: "GET",
        url: `https://${host}/metadata/endpoints?api-version=${METADATA_API_VERSION}`,
        call: "read the cloud's endpoints",
        explain: () => ({ fix: "check azuread:metadataHost (or ARM_METADATA_HOSTNAME), or unset it for the Microsoft clouds." }),
    });
    const login = typeof response.body?.authentication?.loginEndpoint === "string" ? normalizeEndpoint(response.body.authentication.loginEndpoint) : undefined;
    const graph = typeof response.body?.microsoftGraphResourceId === "string" ? normalizeEndpoint(response.body.microsoftGraphResourceId) : undefined;
    if (!login || !graph) {
        throw accessError("configuration", {
            what: `The metadata host ${host} did not name usable loginEndpoint and microsoftGraphResourceId URLs`,
            fix: "check azuread:metadataHost (or ARM_METADATA_HOSTNAME), or set d365-backup-access:endpoints explicitly.",
        });
    }
    return { login, graph };
}
