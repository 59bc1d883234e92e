// Microsoft Entra login (client credentials only) and the Azure metadata endpoint.
//
// What @azure/identity (MSAL) calls with a client secret, authorityHost set and
// instance discovery disabled: GET {authority}/{tenant}/v2.0/.well-known/openid-configuration,
// then POST its token_endpoint with a form body. What the azuread provider calls:
// GET https://{metadataHost}/metadata/endpoints?api-version=2022-09-01, then POST
// {loginEndpoint}/{tenant}/oauth2/v2.0/token. Errors use Entra's body shape
// (error, error_description, error_codes, timestamp, trace_id, correlation_id).
import { randomUUID, timingSafeEqual } from "crypto";
import { header, Reply, RequestContext } from "../core/http";
import { ServiceHandler } from "../core/origin";
import { dispatch, route } from "../core/router";
import { dataverseAudience, GRAPH_AUDIENCE, POWER_APPS_AUDIENCE, POWER_PLATFORM_API_AUDIENCE, ServiceDeps, unknownRoute } from "./deps";

const JSON_TYPE = "application/json; charset=utf-8";

function aadError(ctx: RequestContext, status: number, error: string, code: number, description: string): Reply {
    const traceId = randomUUID();
    const correlationId = header(ctx, "client-request-id") ?? randomUUID();
    const timestamp = new Date()
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z");
    return {
        status,
        headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache", "x-ms-request-id": traceId },
        body: {
            error,
            error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
            error_codes: [code],
            timestamp,
            trace_id: traceId,
            correlation_id: correlationId,
            error_uri: `${ctx.origin}/error?code=${code}`,
        },
    };
}

function secretsEqual(given: string, expected: string | undefined): boolean {
    if (expected === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
}

export function loginService(deps: ServiceDeps): ServiceHandler {
    const { tenant, endpoints } = deps;
    const tenantId = () => tenant.tenantId;

    /** Resources (app ID URIs) this tenant can issue tokens for. */
    const knownResources = () => [
        GRAPH_AUDIENCE,
        endpoints.graph,
        POWER_APPS_AUDIENCE,
        // Clients address the emulator's BAP as a custom host, whose tokens are for its own origin.
        endpoints.bap,
        POWER_PLATFORM_API_AUDIENCE,
        ...Object.values(endpoints.dataverse).map(dataverseAudience),
    ];

    const isGraphResource = (resource: string) => [GRAPH_AUDIENCE, endpoints.graph].some((r) => r.toLowerCase() === resource.toLowerCase());

    const tenantNotFound = (ctx: RequestContext, name: string) =>
        aadError(
            ctx,
            400,
            "invalid_request",
            90002,
            `Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        );

    const knownTenant = (name: string) => name.toLowerCase() === tenantId();

    function openidConfiguration(ctx: RequestContext, name: string, v2: boolean): Reply {
        if (!knownTenant(name) && !["common", "organizations"].includes(name.toLowerCase())) return tenantNotFound(ctx, name);
        const base = `${endpoints.login}/${tenantId()}`;
        const ep = v2 ? "oauth2/v2.0" : "oauth2";
        return {
            status: 200,
            body: {
                token_endpoint: `${base}/${ep}/token`,
                token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                jwks_uri: `${base}/discovery/${v2 ? "v2.0/" : ""}keys`,
                response_modes_supported: ["query", "fragment", "form_post"],
                subject_types_supported: ["pairwise"],
                id_token_signing_alg_values_supported: ["RS256"],
                response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
                scopes_supported: ["openid", "profile", "email", "offline_access"],
                issuer: v2 ? `${base}/v2.0` : `${base}/`,
                request_uri_parameter_supported: false,
                userinfo_endpoint: `${endpoints.graph}/oidc/userinfo`,
                authorization_endpoint: `${base}/${ep}/authorize`,
                device_authorization_endpoint: `${base}/${ep}/devicecode`,
                http_logout_supported: true,
                frontchannel_logout_supported: true,
                end_session_endpoint: `${base}/${ep}/logout`,
                claims_supported: [
                    "sub",
                    "iss",
                    "cloud_instance_name",
                    "cloud_instance_host_name",
                    "cloud_graph_host_name",
                    "msgraph_host",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "acr",
                    "nonce",
                    "preferred_username",
                    "name",
                    "tid",
                    "ver",
                    "at_hash",
                    "c_hash",
                    "email",
                ],
                kerberos_endpoint: `${base}/kerberos`,
                tenant_region_scope: "EU",
                cloud_instance_name: "microsoftonline.com",
                cloud_graph_host_name: "graph.windows.net",
                msgraph_host: new URL(endpoints.graph).host,
                rbac_url: "https://pas.windows.net",
            },
        };
    }

    async function token(ctx: RequestContext, name: string): Promise<Reply> {
        if (!knownTenant(name)) return tenantNotFound(ctx, name);
        const contentType = header(ctx, "content-type") ?? "";
        if (!contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            return aadError(ctx, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
        }
        const form = new URLSearchParams((await ctx.body()).toString("utf8"));
        const missing = (param: string) => aadError(ctx, 400, "invalid_request", 900144, `The request body must contain the following parameter: '${param}'.`);
        const grantType = form.get("grant_type");
        if (!grantType) return missing("grant_type");
        if (grantType === "password") return userToken(ctx, form, missing);
        if (grantType !== "client_credentials") {
            return aadError(
                ctx,
                400,
                "unsupported_grant_type",
                70003,
                `The app requested an unsupported grant type '${grantType}'. The emulator supports client_credentials and password.`,
            );
        }
        const clientId = form.get("client_id");
        if (!clientId) return missing("client_id");
        const app = tenant.applicationByClientId(clientId);
        if (!app) {
            return aadError(
                ctx,
                400,
                "unauthorized_client",
                700016,
                `Application with identifier '${clientId}' was not found in the directory '${tenantId()}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
            );
        }
        const secret = form.get("client_secret");
        if (!secret) {
            return aadError(
                ctx,
                401,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        }
        if (!secretsEqual(secret, app.clientSecret)) {
            return aadError(
                ctx,
                401,
                "invalid_client",
                7000215,
                `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
            );
        }
        const scope = form.get("scope");
        if (!scope) return missing("scope");
        const scopes = scope.trim().split(/\s+/);
        if (scopes.length !== 1 || !scopes[0].endsWith("/.default")) {
            return aadError(
                ctx,
                400,
                "invalid_scope",
                1002012,
                `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
            );
        }
        const resource = scopes[0].slice(0, -"/.default".length).replace(/\/+$/, "");
        return issued(ctx, resource, {
            oid: app.objectId,
            appid: app.clientId,
            appDisplayName: app.displayName,
            // Graph's application permissions travel in Graph tokens only.
            roles: isGraphResource(resource) ? app.graphPermissions : undefined,
        });
    }

    /** A token for `resource`, or invalid_resource when the tenant has no such resource. */
    function issued(
        ctx: RequestContext,
        resource: string,
        subject: { oid: string; appid: string; appDisplayName: string; roles?: readonly string[]; user?: { upn: string; name: string } },
    ): Reply {
        if (!knownResources().some((r) => r.toLowerCase() === resource.toLowerCase())) {
            return aadError(
                ctx,
                400,
                "invalid_resource",
                500011,
                `The resource principal named ${resource} was not found in the tenant named ${tenantId()}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
            );
        }
        const lifetime = tenant.state.behaviour.tokenLifetimeSeconds;
        const accessToken = deps.tokens.issue({
            audience: resource,
            tenantId: tenantId(),
            issuer: `${endpoints.login}/${tenantId()}/`,
            lifetimeSeconds: lifetime,
            ...subject,
        });
        return {
            status: 200,
            headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
            body: { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
        };
    }

    /**
     * The resource owner password grant of a public client (the Azure CLI's, for one):
     * a seeded user with a password signs in and gets a delegated token for one resource.
     */
    function userToken(ctx: RequestContext, form: URLSearchParams, missing: (param: string) => Reply): Reply {
        const clientId = form.get("client_id");
        if (!clientId) return missing("client_id");
        const username = form.get("username");
        if (!username) return missing("username");
        const password = form.get("password");
        if (!password) return missing("password");
        const user = tenant.user(username);
        if (!user || !user.password || !secretsEqual(password, user.password)) {
            return aadError(ctx, 400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.");
        }
        if (!user.accountEnabled) return aadError(ctx, 400, "invalid_grant", 50057, "The user account is disabled.");
        const scope = form.get("scope");
        if (!scope) return missing("scope");
        // Public clients ask for openid, profile and offline_access besides the resource.
        const resources = scope
            .trim()
            .split(/\s+/)
            .filter((s) => !["openid", "profile", "offline_access"].includes(s));
        if (resources.length !== 1) {
            return aadError(
                ctx,
                400,
                "invalid_scope",
                70011,
                `The provided value for the input parameter 'scope' is not valid. Ask for one resource at a time (e.g. https://graph.microsoft.com/.default).`,
            );
        }
        const resource = resources[0].replace(/\/(\.default|user_impersonation)$/, "").replace(/\/+$/, "");
        return issued(ctx, resource, {
            oid: user.id,
            appid: clientId,
            appDisplayName: "public client",
            user: { upn: user.userPrincipalName, name: user.displayName },
        });
    }

    function metadata(ctx: RequestContext): Reply {
        const version = ctx.query.get("api-version");
        const doc = azureMetadata(endpoints);
        if (version === "2022-09-01") return { status: 200, body: doc };
        if (version === "2019-05-01") return { status: 200, body: [doc] };
        return {
            status: 400,
            body: {
                error: {
                    code: "InvalidApiVersionParameter",
                    message: `The api-version '${version ?? ""}' is invalid. The supported versions are '2022-09-01,2019-05-01'.`,
                },
            },
        };
    }

    const routes = [
        route("GET", /^\/metadata\/endpoints$/i, (ctx) => metadata(ctx)),
        route("GET", /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/, (ctx, m) => openidConfiguration(ctx, m[1], true)),
        route("GET", /^\/([^/]+)\/\.well-known\/openid-configuration$/, (ctx, m) => openidConfiguration(ctx, m[1], false)),
        route("GET", /^\/([^/]+)\/discovery\/(?:v2\.0\/)?keys$/, (ctx, m) =>
            knownTenant(m[1]) || m[1] === "common" ? { status: 200, body: deps.tokens.jwks() } : tenantNotFound(ctx, m[1]),
        ),
        route("POST", /^\/([^/]+)\/oauth2\/v2\.0\/token$/, (ctx, m) => token(ctx, m[1])),
    ];

    return {
        name: "login",
        contentType: JSON_TYPE,
        errorReply: (ctx, status, code, message) => {
            const known: Record<number, [string, number, string]> = {
                429: ["temporarily_unavailable", 90033, "A transient error has occurred. Please try again."],
                500: ["server_error", 90033, "A transient error has occurred. Please try again."],
                503: ["temporarily_unavailable", 90033, "A transient error has occurred. Please try again."],
            };
            const [error, number, text] = known[status] ?? ["invalid_request", 90000, "The request could not be processed."];
            const reply = aadError(ctx, status, code ?? error, number, message ?? text);
            return reply;
        },
        handle: async (ctx) => {
            const found = dispatch(routes, ctx);
            if (found.kind === "reply") return found.reply;
            unknownRoute(deps, "login", ctx.method, ctx.target);
            return aadError(
                ctx,
                404,
                "invalid_request",
                900561,
                found.kind === "method-not-allowed"
                    ? `The endpoint only accepts ${found.allowed.join(", ")} requests. Received a ${ctx.method} request.`
                    : `The endpoint ${ctx.path} is not emulated.`,
            );
        },
    };
}

/** The Azure environment metadata document (api-version 2022-09-01 shape). */
export function azureMetadata(endpoints: { login: string; graph: string }): Record<string, unknown> {
    const arm = `${endpoints.login}/`;
    return {
        portal: endpoints.login,
        authentication: { loginEndpoint: endpoints.login, audiences: [arm], tenant: "common", identityProvider: "AAD" },
        media: "https://rest.media.azure.net",
        graphAudience: `${endpoints.graph}/`,
        graph: `${endpoints.graph}/`,
        name: "TenantEmulator",
        suffixes: {
            azureDataLakeStoreFileSystem: "azuredatalakestore.net",
            acrLoginServer: "azurecr.io",
            sqlServerHostname: "database.windows.net",
            azureDataLakeAnalyticsCatalogAndJob: "azuredatalakeanalytics.net",
            keyVaultDns: "vault.azure.net",
            storage: "core.windows.net",
            azureFrontDoorEndpointSuffix: "azurefd.net",
            storageSyncEndpointSuffix: "afs.azure.net",
            mhsmDns: "managedhsm.azure.net",
            mysqlServerEndpoint: "mysql.database.azure.com",
            postgresqlServerEndpoint: "postgres.database.azure.com",
            mariadbServerEndpoint: "mariadb.database.azure.com",
            synapseAnalytics: "dev.azuresynapse.net",
            attestationEndpoint: "attest.azure.net",
        },
        batch: "https://batch.core.windows.net/",
        resourceManager: arm,
        vmImageAliasDoc: "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
        activeDirectoryDataLake: "https://datalake.azure.net/",
        sqlManagement: "https://management.core.windows.net:8443/",
        microsoftGraphResourceId: `${endpoints.graph}/`,
        appInsightsResourceId: "https://api.applicationinsights.io",
        appInsightsTelemetryChannelResourceId: "https://dc.applicationinsights.azure.com/v2/track",
        attestationResourceId: "https://attest.azure.net",
        synapseAnalyticsResourceId: "https://dev.azuresynapse.net",
        logAnalyticsResourceId: "https://api.loganalytics.io",
        ossrDbmsResourceId: "https://ossrdbms-aad.database.windows.net",
    };
}
