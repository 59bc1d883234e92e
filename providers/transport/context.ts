// The client context: settings, resolved endpoints, one token source and one HTTP
// layer, shared by every call a program run or a provider process makes. Built once
// per process (the providers keep theirs for the life of the provider host, so 50
// environments share one token per audience and one concurrency limit per host).
// Contexts with the same sign-in also share their token source, so the providers in
// one host process sign in once per audience between them, not once each.

import { CLOUDS, Endpoints } from "./clouds";
import { createCredential, TokenCredentialLike } from "./credentials";
import {
    bapAudienceFor,
    cloudHost,
    customEndpointsWarning,
    CUSTOM_ENDPOINTS_KEY,
    CUSTOM_ENDPOINTS_VARIABLE,
    EndpointKind,
    EndpointOrigin,
    isCloudDataverseHost,
    isCloudEndpoint,
    showUrl,
} from "./endpoint-policy";
import { accessError } from "./errors";
import { createHttpClient } from "./http/client";
import { HttpClient, Service } from "./http/request";
import { describeCredential } from "./settings/credential-choice";
import { configuredCustomHosts, normalizeEndpoint } from "./settings/endpoints";
import { resolveClientSettings } from "./settings/resolve";
import { ClientSettings, ConfigSource, EnvironmentVariables } from "./settings/types";
import { createTokenSource, TokenSource } from "./tokens";

export interface ResolvedEndpoints extends Endpoints {
    /** BAP tokens: the cloud's Power Apps service, or a custom BAP host's own origin. */
    readonly bapAudience: string;
    /** Graph tokens are for the Graph host itself. */
    readonly graphAudience: string;
    /** Every endpoint's host and the setting that chose it. */
    readonly origins: readonly EndpointOriginOf[];
    /** The hosts among origins that are not the cloud's (custom endpoints only). */
    readonly customHosts: readonly EndpointOrigin[];
}

export interface EndpointOriginOf extends EndpointOrigin {
    readonly kind: EndpointKind;
    readonly url: string;
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
    const signInTimeoutMs = settings.http.attemptTimeoutMs;
    const source = options.credential
        ? createTokenSource(options.credential, { describe: "supplied credential", signInTimeoutMs })
        : sharedTokenSource(settings, endpoints.login, () =>
              createTokenSource(createCredential(settings.credential, endpoints.login), {
                  describe: describeCredential(settings.credential),
                  fallback: settings.credential.method === "azureCli" && settings.credential.fallback,
                  signInTimeoutMs,
              }),
          );
    const tokens = audienceGuard(source, settings, endpoints);
    const http = createHttpClient({ settings: settings.http, tokens, log, describeHost: hostDescriber(endpoints) });
    return { settings, endpoints, http, tokens, log, once: new Map() };
}

/**
 * The last line of defence: no token is fetched for an audience that is neither one of
 * the endpoints' own audiences nor a Dataverse instance of the cloud (any https host
 * with custom endpoints), whatever code asks for it.
 */
function audienceGuard(tokens: TokenSource, settings: ClientSettings, endpoints: ResolvedEndpoints): TokenSource {
    const known = new Set([endpoints.graphAudience, endpoints.bapAudience].map((audience) => audience.toLowerCase()));
    const admitted = (audience: string) => known.has(audience.replace(/\/+$/, "").toLowerCase()) || dataverseHostRefusal(settings, audience) === undefined;
    return {
        get(audience, options) {
            if (!admitted(audience)) {
                return Promise.reject(
                    accessError("configuration", {
                        what: `No token was fetched for ${showUrl(audience)}: it is not an endpoint of this configuration nor a Dataverse host of the ${settings.cloud} cloud`,
                        fix: `check d365-backup-access:cloud; if the host is meant, opt in with ${CUSTOM_ENDPOINTS_KEY}: true (or ${CUSTOM_ENDPOINTS_VARIABLE}=true).`,
                    }),
                );
            }
            return tokens.get(audience, options);
        },
        invalidate: (audience, token) => tokens.invalidate(audience, token),
    };
}

/**
 * Why a Dataverse instance URL (from BAP's environment list) may not receive a token,
 * or undefined when it may: https on one of the cloud's Dataverse domains, or, with
 * custom endpoints, any https host.
 */
export function dataverseHostRefusal(settings: ClientSettings, instanceUrl: string): string | undefined {
    if (isCloudDataverseHost(settings.cloud, instanceUrl)) return undefined;
    if (settings.endpoints.custom && /^https:\/\//i.test(instanceUrl)) return undefined;
    const domains = CLOUDS[settings.cloud].dataverseDomains.map((domain) => `*.${domain}`).join(", ");
    return `not a Dataverse host of the ${settings.cloud} cloud (${domains}, https)`;
}

/** The warning for a run with custom endpoints, or undefined when every host is the cloud's. */
export function customEndpointsNotice(ctx: Pick<ClientContext, "settings" | "endpoints">): string | undefined {
    return ctx.endpoints.customHosts.length ? customEndpointsWarning(ctx.settings.cloud, ctx.endpoints.customHosts) : undefined;
}

/** The setting that chose a request's host, for messages: the endpoint of the request's own service first. */
function hostDescriber(endpoints: ResolvedEndpoints): (host: string, service: Service) => string | undefined {
    return (host, service) => {
        if (service === "dataverse") return "the instanceUrl BAP lists for the environment";
        const same = endpoints.origins.filter((origin) => origin.host.toLowerCase() === host.toLowerCase());
        return (same.find((origin) => origin.kind === service) ?? same[0])?.from;
    };
}

/**
 * One token source per sign-in (credential settings and authority) in the process,
 * kept on globalThis so that serialized provider copies that state written by 0.1.0
 * still holds (they run with their own module copies) share it with the current code.
 * The key is a hash, so no secret is kept in it.
 */
function sharedTokenSource(settings: ClientSettings, authority: string, create: () => TokenSource): TokenSource {
    const { createHash } = require("crypto") as typeof import("crypto");
    const fingerprint = createHash("sha256")
        .update(JSON.stringify([settings.credential, authority]))
        .digest("hex");
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
 * endpoints the azuread provider uses (it posts the credential to that sign-in
 * endpoint), so they are read and held to the same rule as configured endpoints; they
 * are ours too unless login or Graph were set explicitly.
 */
async function resolveEndpoints(settings: ClientSettings, log: (message: string) => void): Promise<ResolvedEndpoints> {
    const configured = settings.endpoints;
    let login = { url: configured.login, from: configured.sources.login };
    let graph = { url: configured.graph, from: configured.sources.graph };
    /** Hosts only the azuread provider talks to: the metadata host and what it names in place of explicit endpoints. */
    const azureadOnly: EndpointOrigin[] = [];
    if (configured.metadataHost) {
        const metadataSource = configured.sources.metadata ?? "azuread:metadataHost";
        const discovered = await readCloudMetadata(settings, configured.metadataHost, metadataSource, log);
        const from = `the metadata of ${configured.metadataHost} (${metadataSource})`;
        for (const [kind, url] of [
            ["login", discovered.login],
            ["graph", discovered.graph],
        ] as const) {
            if (!configured.custom && !isCloudEndpoint(settings.cloud, kind, url)) {
                throw accessError("configuration", {
                    what: `The metadata host ${configured.metadataHost} (${metadataSource}) names ${showUrl(url)} as the ${kind} endpoint, which is not a host of the ${settings.cloud} cloud`,
                    fix: `unset ${metadataSource}, fix d365-backup-access:cloud, or opt in to custom endpoints with ${CUSTOM_ENDPOINTS_KEY}: true (or ${CUSTOM_ENDPOINTS_VARIABLE}=true) if the host is meant.`,
                });
            }
        }
        if (!configured.loginExplicit) login = { url: discovered.login, from };
        else if (new URL(discovered.login).host !== new URL(login.url).host) azureadOnly.push({ host: new URL(discovered.login).host, from });
        if (!configured.graphExplicit) graph = { url: discovered.graph, from };
        else if (new URL(discovered.graph).host !== new URL(graph.url).host) azureadOnly.push({ host: new URL(discovered.graph).host, from });
        azureadOnly.unshift({ host: configured.metadataHost, from: metadataSource });
    }
    const origins: EndpointOriginOf[] = [
        { kind: "login", url: login.url, host: new URL(login.url).host, from: login.from },
        { kind: "graph", url: graph.url, host: new URL(graph.url).host, from: graph.from },
        { kind: "bap", url: configured.bap, host: new URL(configured.bap).host, from: configured.sources.bap },
    ];
    // The configured hosts outside the cloud, then those the metadata host named in their place.
    const customHosts = [...configuredCustomHosts(settings)];
    for (const origin of [...origins, ...azureadOnly]) {
        const known = cloudHosts(settings).has(origin.host.toLowerCase()) || customHosts.some((other) => other.host === origin.host);
        if (!known) customHosts.push({ host: origin.host, from: origin.from });
    }
    if (configured.metadataHost)
        origins.push({ kind: "metadata", url: `https://${configured.metadataHost}`, host: configured.metadataHost, from: azureadOnly[0].from });
    return {
        login: login.url,
        graph: graph.url,
        bap: configured.bap,
        bapAudience: bapAudienceFor(settings.cloud, configured.bap),
        graphAudience: new URL(graph.url).origin,
        origins,
        customHosts,
    };
}

/** The hosts of the selected cloud that configuration can name. */
function cloudHosts(settings: ClientSettings): Set<string> {
    return new Set((["login", "graph", "bap", "metadata"] as const).map((kind) => cloudHost(settings.cloud, kind)));
}

async function readCloudMetadata(
    settings: ClientSettings,
    host: string,
    source: string,
    log: (message: string) => void,
): Promise<Pick<Endpoints, "login" | "graph">> {
    const noTokens: TokenSource = {
        get: () => Promise.reject(new Error("the metadata endpoint takes no token")),
        invalidate: () => undefined,
    };
    const describeHost = (asked: string) => (asked.toLowerCase() === host.toLowerCase() ? source : undefined);
    const http = createHttpClient({ settings: settings.http, tokens: noTokens, log, describeHost });
    const response = await http.send<{ authentication?: { loginEndpoint?: unknown }; microsoftGraphResourceId?: unknown }>({
        service: "metadata",
        method: "GET",
        url: `https://${host}/metadata/endpoints?api-version=${METADATA_API_VERSION}`,
        call: "read the cloud's endpoints",
        explain: () => ({ fix: `check ${source}, or unset it for the Microsoft clouds.` }),
    });
    const login = typeof response.body?.authentication?.loginEndpoint === "string" ? normalizeEndpoint(response.body.authentication.loginEndpoint) : undefined;
    const graph = typeof response.body?.microsoftGraphResourceId === "string" ? normalizeEndpoint(response.body.microsoftGraphResourceId) : undefined;
    if (!login || !graph) {
        throw accessError("configuration", {
            what: `The metadata host ${host} did not name usable loginEndpoint and microsoftGraphResourceId URLs`,
            fix: `check ${source}, or set d365-backup-access:endpoints explicitly.`,
        });
    }
    return { login, graph };
}
