// Microsoft Graph (v1.0 and beta): token check, throttling, routing and Graph's error
// shape. Tokens must carry the Graph origin or https://graph.microsoft.com as audience
// (the azuread provider always asks for the latter, whatever the endpoint).
import { authenticateBearer, BearerFailureKind } from "../../auth/bearer";
import { RequestContext } from "../../core/http";
import { Admission, ServiceHandler } from "../../core/origin";
import { dispatch } from "../../core/router";
import { GRAPH_AUDIENCE, ServiceDeps, unknownRoute } from "../deps";
import { GRAPH_CONTENT_TYPE, graphError } from "./common";
import { directoryRoutes } from "./directory";
import { groupRoutes } from "./groups";
import { permissionRefusal } from "./permissions";
import { pimRoutes } from "./pim";
import { roleManagementRoutes } from "./role-management";
import { KeyedLimiter, limiterFor } from "../throttling";

const AUTH_MESSAGES: Record<BearerFailureKind, string> = {
    missing: "Access token is empty.",
    malformed: "CompactToken parsing failed with error code: 80049217",
    signature: "Access token validation failure. Invalid signature.",
    tenant: "Access token validation failure. Invalid issuer.",
    audience: "Access token validation failure. Invalid audience.",
    expired: "Lifetime validation failed, the token is expired.",
    notYetValid: "Lifetime validation failed, the token is not yet valid.",
};

const STATUS_CODES: Record<number, [string, string]> = {
    400: ["BadRequest", "The request is invalid."],
    401: ["InvalidAuthenticationToken", "Access token validation failure."],
    403: ["Authorization_RequestDenied", "Insufficient privileges to complete the operation."],
    404: ["Request_ResourceNotFound", "The requested resource does not exist."],
    429: ["TooManyRequests", "Too many requests. Please retry after the time given in the Retry-After header."],
    500: ["InternalServerError", "An internal server error occurred."],
    502: ["BadGateway", "The service is temporarily unavailable."],
    503: ["ServiceUnavailable", "The service is temporarily unavailable. Please retry later."],
    504: ["GatewayTimeout", "The request timed out."],
};

export function graphService(deps: ServiceDeps): ServiceHandler {
    const routes = [...directoryRoutes(deps), ...roleManagementRoutes(deps), ...pimRoutes(deps), ...groupRoutes(deps)];
    let limiter: KeyedLimiter | undefined;

    const errorReply = (ctx: RequestContext, status: number, code?: string, message?: string) => {
        const [c, text] = STATUS_CODES[status] ?? ["UnknownError", `HTTP ${status}`];
        return graphError(ctx, status, code ?? c, message ?? text);
    };

    return {
        name: "graph",
        contentType: GRAPH_CONTENT_TYPE,
        errorReply,
        authenticate(ctx) {
            const result = authenticateBearer(ctx, deps.tokens, { audiences: [deps.endpoints.graph, GRAPH_AUDIENCE], tenantId: deps.tenant.tenantId });
            if ("caller" in result) {
                ctx.caller = result.caller;
                return undefined;
            }
            const message = AUTH_MESSAGES[result.failure.kind];
            return graphError(ctx, 401, "InvalidAuthenticationToken", message, {
                "WWW-Authenticate": `Bearer realm="", authorization_uri="${deps.endpoints.login}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="invalid_token", error_description="${message}"`,
            });
        },
        admit(ctx): Admission {
            limiter = limiterFor(limiter, deps.tenant.state.behaviour.graphRequestLimit);
            const key = ctx.caller?.oid ?? "";
            const verdict = limiter?.limiter.tryAcquire(key);
            if (!verdict) return { release: () => undefined };
            if (verdict.ok) {
                // Graph tells an app it has used more than 0.8 of its limit, as a fraction (0.8 to 1.8), on its answers.
                const share = limiter!.limiter.share(key);
                return share > 0.8
                    ? { release: () => undefined, headers: { "x-ms-throttle-limit-percentage": String(Math.round(share * 100) / 100) } }
                    : { release: () => undefined };
            }
            return {
                reject: graphError(ctx, 429, "TooManyRequests", STATUS_CODES[429][1], { "Retry-After": String(verdict.retryAfterSeconds) }),
                note: "throttled: graphRequestLimit",
            };
        },
        async handle(ctx) {
            // Time-bound role assignments whose end passed on the tenant's clock are gone
            // before any route reads or writes assignments.
            deps.tenant.expireAssignments();
            // Graph checks the token's application permissions before it looks at the route.
            const refusal = permissionRefusal(ctx);
            if (refusal) return refusal;
            const found = dispatch(routes, ctx);
            if (found.kind === "reply") return found.reply;
            if (found.kind === "method-not-allowed") {
                return graphError(
                    ctx,
                    405,
                    "Request_BadRequest",
                    `Specified HTTP method is not allowed for the request target. Allowed: ${found.allowed.join(", ")}.`,
                );
            }
            unknownRoute(deps, "graph", ctx.method, ctx.target);
            const segment = ctx.path.split("/").filter(Boolean).slice(1).join("/") || ctx.path;
            return graphError(ctx, 400, "BadRequest", `Resource not found for the segment '${segment}'.`);
        },
    };
}
