// The bearer-token check every resource service makes before anything else: a token
// is present, was issued here, is for this tenant and this service (audience), and is
// within its lifetime. Services turn a failure into their own 401 shape.
import { Caller, RequestContext, header } from "../core/http";
import { TokenIssuer } from "./tokens";

export type BearerFailureKind = "missing" | "malformed" | "signature" | "tenant" | "audience" | "expired" | "notYetValid";

export interface BearerFailure {
    kind: BearerFailureKind;
    detail: string;
    /** The audience the token carried, when it could be read. */
    audience?: string;
}

/** Compares audiences the way the services do: scheme and host case-insensitive, trailing slash ignored. */
export function sameAudience(a: string, b: string): boolean {
    const norm = (s: string) => s.trim().replace(/\/+$/, "").toLowerCase();
    return norm(a) === norm(b);
}

export function authenticateBearer(
    ctx: RequestContext,
    tokens: TokenIssuer,
    expected: { audiences: readonly string[]; tenantId: string },
    nowSeconds = Date.now() / 1000,
): { caller: Caller } | { failure: BearerFailure } {
    const authorization = header(ctx, "authorization");
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match)
        return {
            failure: { kind: "missing", detail: authorization ? "the Authorization header is not of the form 'Bearer <token>'" : "no Authorization header" },
        };
    const checked = tokens.check(match[1]);
    if (!checked.ok) return { failure: { kind: checked.reason, detail: checked.detail } };
    const claims = checked.claims;
    const audience = typeof claims.aud === "string" ? claims.aud : "";
    if (claims.tid !== expected.tenantId) return { failure: { kind: "tenant", detail: `the token is for tenant '${String(claims.tid)}'`, audience } };
    if (!expected.audiences.some((a) => sameAudience(a, audience))) {
        return { failure: { kind: "audience", detail: `the token's audience '${audience}' is not one of ${expected.audiences.join(", ")}`, audience } };
    }
    const exp = typeof claims.exp === "number" ? claims.exp : 0;
    const nbf = typeof claims.nbf === "number" ? claims.nbf : 0;
    // No clock-skew allowance (real services allow ~5 minutes): short token lifetimes
    // in the seed must be observable in tests.
    if (nowSeconds >= exp) return { failure: { kind: "expired", detail: `the token expired at ${new Date(exp * 1000).toISOString()}`, audience } };
    if (nowSeconds < nbf) return { failure: { kind: "notYetValid", detail: `the token is not valid before ${new Date(nbf * 1000).toISOString()}`, audience } };
    return { caller: { oid: String(claims.oid ?? ""), appid: String(claims.appid ?? ""), claims } };
}
