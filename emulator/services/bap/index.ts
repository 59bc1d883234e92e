// Power Platform admin API ("BAP"): environments (list with nextLink paging, get),
// addUser / addAppUser, and admin management application registration.
//
// Callers need a token for https://service.powerapps.com (tokens for
// api.powerplatform.com are refused with InvalidAuthenticationAudience, as in the real
// service), and a service principal caller must be registered as an admin management
// application, otherwise every call is a 403 "does not have permission to access the path".
import { authenticateBearer, BearerFailureKind } from "../../auth/bearer";
import { HttpError, isPlainObject, jsonBody, Reply, RequestContext } from "../../core/http";
import { Admission, ServiceHandler } from "../../core/origin";
import { decodeSkipToken, nextLink, pageOf } from "../../core/paging";
import { dispatch, route } from "../../core/router";
import { POWER_APPS_AUDIENCE, ServiceDeps, unknownRoute } from "../deps";
import { KeyedLimiter, limiterFor } from "../throttling";
import { Environment } from "../../seed/types";
import { environmentBody } from "./environment-body";
import { addAppUser, addUser, SyncOutcome } from "./user-sync";

const JSON_TYPE = "application/json; charset=utf-8";
const PROVIDER = "/providers/Microsoft\\.BusinessAppPlatform";

export function bapError(ctx: RequestContext, status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
    return { status, headers: { "x-ms-request-id": ctx.requestId, ...headers }, body: { error: { code, message } } };
}

const AUTH_FAILURES: Record<BearerFailureKind, [string, (detail: string, audience?: string) => string]> = {
    missing: ["AuthenticationFailed", () => "Authentication failed. The 'Authorization' header is missing or is not a bearer token."],
    malformed: ["InvalidAuthenticationToken", (d) => `The access token is invalid: ${d}.`],
    signature: ["InvalidAuthenticationToken", () => "The access token is invalid: signature validation failed."],
    tenant: ["InvalidAuthenticationTokenTenant", (d) => `The access token is from the wrong issuer: ${d}.`],
    audience: [
        "InvalidAuthenticationAudience",
        (_d, aud) => `The access token has an invalid audience '${aud ?? ""}'. Request a token for '${POWER_APPS_AUDIENCE}/.default'.`,
    ],
    expired: ["ExpiredAuthenticationToken", () => "The access token has expired. Get a new token and try again."],
    notYetValid: ["InvalidAuthenticationToken", () => "The access token is not yet valid."],
};

const STATUS_CODES: Record<number, [string, string]> = {
    400: ["BadRequest", "The request is invalid."],
    401: ["InvalidAuthenticationToken", "The access token is invalid."],
    403: ["Forbidden", "The caller does not have permission to perform this action."],
    404: ["NotFound", "The requested resource was not found."],
    429: ["TooManyRequests", "Rate limit is exceeded. Try again later."],
    500: ["InternalServerError", "An internal server error occurred."],
    502: ["BadGateway", "The service is temporarily unavailable."],
    503: ["ServiceUnavailable", "The service is temporarily unavailable."],
    504: ["GatewayTimeout", "The gateway did not receive a response in time."],
};

export function bapService(deps: ServiceDeps): ServiceHandler {
    const { tenant } = deps;
    let limiter: KeyedLimiter | undefined;

    function requireApiVersion(ctx: RequestContext): void {
        const version = ctx.query.get("api-version");
        if (!version)
            throw new HttpError(
                bapError(ctx, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."),
            );
        if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) {
            throw new HttpError(
                bapError(
                    ctx,
                    400,
                    "InvalidApiVersionParameter",
                    `The api-version '${version}' is invalid. The supported versions are of the form 'yyyy-MM-dd' or 'yyyy-MM-dd-preview'.`,
                ),
            );
        }
    }

    function findEnvironment(ctx: RequestContext, id: string) {
        const env = tenant.environment(decodeURIComponent(id));
        if (!env)
            throw new HttpError(bapError(ctx, 404, "EnvironmentNotFound", `The environment '${id}' could not be found in the tenant '${tenant.tenantId}'.`));
        return env;
    }

    const bodyOf = (env: Environment) => environmentBody(env, tenant.tenantId, deps.endpoints, env.owner ? tenant.user(env.owner) : undefined);

    const syncReply = (ctx: RequestContext, outcome: SyncOutcome): Reply =>
        outcome.ok ? { status: 200, headers: { "x-ms-request-id": ctx.requestId } } : bapError(ctx, outcome.status, outcome.code, outcome.message);

    async function objectBody(ctx: RequestContext): Promise<Record<string, unknown>> {
        const body = await jsonBody(ctx, (message) => bapError(ctx, 400, "InvalidRequestContent", message));
        if (!isPlainObject(body)) throw new HttpError(bapError(ctx, 400, "InvalidRequestContent", "The request body must be a JSON object."));
        return body;
    }

    const routes = [
        route("GET", new RegExp(`^${PROVIDER}/scopes/admin/environments$`, "i"), (ctx) => {
            requireApiVersion(ctx);
            const offset = decodeSkipToken(ctx.query.get("$skiptoken"));
            if (offset === undefined) return bapError(ctx, 400, "InvalidSkipToken", "The $skiptoken is invalid.");
            const page = pageOf(tenant.state.environments, offset, tenant.state.behaviour.bapPageSize);
            const body: Record<string, unknown> = { value: page.items.map(bodyOf) };
            if (page.nextOffset !== undefined) body.nextLink = nextLink(ctx.origin, ctx.path, ctx.query, page.nextOffset);
            return { status: 200, body };
        }),
        route("GET", new RegExp(`^${PROVIDER}/scopes/admin/environments/([^/]+)$`, "i"), (ctx, m) => {
            requireApiVersion(ctx);
            return { status: 200, body: bodyOf(findEnvironment(ctx, m[1])) };
        }),
        route("POST", new RegExp(`^${PROVIDER}/scopes/admin/environments/([^/]+)/addUser$`, "i"), async (ctx, m) => {
            requireApiVersion(ctx);
            const env = findEnvironment(ctx, m[1]);
            const body = await objectBody(ctx);
            if (typeof body.objectId !== "string" || body.objectId === "") {
                return bapError(ctx, 400, "InvalidRequestContent", "The request body must contain 'objectId', the Entra object id of the user to add.");
            }
            return syncReply(ctx, addUser(tenant, env, body.objectId));
        }),
        route("POST", new RegExp(`^${PROVIDER}/scopes/admin/environments/([^/]+)/addAppUser$`, "i"), async (ctx, m) => {
            requireApiVersion(ctx);
            const env = findEnvironment(ctx, m[1]);
            const body = await objectBody(ctx);
            if (typeof body.servicePrincipalAppId !== "string" || body.servicePrincipalAppId === "") {
                return bapError(
                    ctx,
                    400,
                    "InvalidRequestContent",
                    "The request body must contain 'servicePrincipalAppId', the application (client) id to add.",
                );
            }
            return syncReply(ctx, addAppUser(tenant, env, body.servicePrincipalAppId));
        }),
        route("GET", new RegExp(`^${PROVIDER}/adminApplications$`, "i"), (ctx) => {
            requireApiVersion(ctx);
            return {
                status: 200,
                body: {
                    value: tenant
                        .applications()
                        .filter((a) => a.registeredAdminApplication)
                        .map((a) => ({ applicationId: a.clientId })),
                },
            };
        }),
        route("GET", new RegExp(`^${PROVIDER}/adminApplications/([^/]+)$`, "i"), (ctx, m) => {
            requireApiVersion(ctx);
            const app = tenant.applicationByClientId(m[1]);
            if (!app?.registeredAdminApplication)
                return bapError(ctx, 404, "NotFound", `The application '${m[1]}' is not registered as an admin management application.`);
            return { status: 200, body: { applicationId: app.clientId } };
        }),
        route("PUT", new RegExp(`^${PROVIDER}/adminApplications/([^/]+)$`, "i"), (ctx, m) => {
            requireApiVersion(ctx);
            if (!tenant.setRegisteredAdminApplication(m[1], true)) {
                return bapError(ctx, 404, "ApplicationNotFound", `No application with id '${m[1]}' exists in tenant '${tenant.tenantId}'.`);
            }
            return { status: 200, body: { applicationId: m[1].toLowerCase() } };
        }),
        route("DELETE", new RegExp(`^${PROVIDER}/adminApplications/([^/]+)$`, "i"), (ctx, m) => {
            requireApiVersion(ctx);
            tenant.setRegisteredAdminApplication(m[1], false);
            return { status: 204 };
        }),
    ];

    return {
        name: "bap",
        contentType: JSON_TYPE,
        errorReply: (ctx, status, code, message) => {
            const [c, text] = STATUS_CODES[status] ?? ["Error", `HTTP ${status}`];
            return bapError(ctx, status, code ?? c, message ?? text);
        },
        authenticate(ctx) {
            // The cloud's audience, or, as a custom BAP host is addressed, this host's own origin.
            const result = authenticateBearer(ctx, deps.tokens, { audiences: [POWER_APPS_AUDIENCE, deps.endpoints.bap], tenantId: tenant.tenantId });
            if ("failure" in result) {
                const [code, text] = AUTH_FAILURES[result.failure.kind];
                const message = text(result.failure.detail, result.failure.audience);
                return bapError(ctx, 401, code, message, {
                    "WWW-Authenticate": `Bearer authorization_uri="${deps.endpoints.login}/${tenant.tenantId}", error="invalid_token", error_description="${message}"`,
                });
            }
            ctx.caller = result.caller;
            const app = tenant.applicationByClientId(result.caller.appid);
            if (result.caller.claims.idtyp === "app" && !app?.registeredAdminApplication) {
                return bapError(
                    ctx,
                    403,
                    "Forbidden",
                    `The service principal with id '${result.caller.oid}' for application ${result.caller.appid} does not have permission to access the path '${deps.endpoints.bap}${ctx.target}' in tenant ${tenant.tenantId}.`,
                );
            }
            return undefined;
        },
        admit(ctx): Admission {
            limiter = limiterFor(limiter, tenant.state.behaviour.bapRequestLimit);
            const verdict = limiter?.limiter.tryAcquire(ctx.caller?.oid ?? "");
            if (!verdict || verdict.ok) return { release: () => undefined };
            return {
                reject: bapError(ctx, 429, "TooManyRequests", `Rate limit is exceeded. Try again in ${verdict.retryAfterSeconds} seconds.`, {
                    "Retry-After": String(verdict.retryAfterSeconds),
                }),
                note: "throttled: bapRequestLimit",
            };
        },
        async handle(ctx) {
            const found = dispatch(routes, ctx);
            if (found.kind === "reply") return found.reply;
            if (found.kind === "method-not-allowed")
                return bapError(ctx, 405, "MethodNotAllowed", `The method '${ctx.method}' is not allowed; allowed: ${found.allowed.join(", ")}.`);
            unknownRoute(deps, "bap", ctx.method, ctx.target);
            return bapError(ctx, 404, "NotFound", `The path '${ctx.path}' is not emulated.`);
        },
    };
}
