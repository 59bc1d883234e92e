// One access token per audience, reused until shortly before it expires.
//
// "Shortly" scales with the token's lifetime: a quarter of it, at most two minutes.
// The expiry is the earlier of what the credential reports and the token's own "exp"
// claim (whole seconds, and possibly older than the credential's cached answer).
// An hour-long Entra token is renewed two minutes early, a short-lived one well
// before it lapses mid-request. Concurrent requests for the same audience share one
// sign-in. A token the service rejected (HTTP 401) is dropped so the next request
// signs in again.

import { TokenCredentialLike } from "./credentials";
import { accessError, messageOf } from "./errors";
import { missingCredentialsHelp } from "./settings";

export interface TokenSource {
    /** A bearer token for `audience` (e.g. "https://service.powerapps.com"). */
    get(audience: string): Promise<string>;
    /** Forgets the cached token so the next get() signs in again. */
    invalidate(audience: string, token: string): void;
}

export interface TokenSourceOptions {
    /** Names the sign-in method in error messages. */
    readonly describe: string;
    /** True when the Azure CLI was tried only because nothing else was configured. */
    readonly fallback?: boolean;
    readonly now?: () => number;
}

const MAX_EARLY_RENEWAL_MS = 120_000;

interface CachedToken {
    readonly token: string;
    readonly renewAt: number;
}

export function createTokenSource(credential: TokenCredentialLike, options: TokenSourceOptions): TokenSource {
    const now = options.now ?? Date.now;
    const cache = new Map<string, CachedToken>();
    const pending = new Map<string, Promise<CachedToken>>();

    async function signIn(audience: string): Promise<CachedToken> {
        const requestedAt = now();
        let result: Awaited<ReturnType<TokenCredentialLike["getToken"]>>;
        try {
            result = await credential.getToken(`${audience}/.default`);
        } catch (error) {
            throw signInError(audience, error, options);
        }
        if (!result || !result.token) {
            throw signInError(audience, new Error("the credential returned no token"), options);
        }
        const exp = tokenClaims(result.token)?.exp;
        const expiresAt = typeof exp === "number" ? Math.min(result.expiresOnTimestamp, exp * 1000) : result.expiresOnTimestamp;
        const lifetime = Math.max(0, expiresAt - requestedAt);
        const early = Math.min(MAX_EARLY_RENEWAL_MS, lifetime / 4);
        let renewAt = expiresAt - early;
        if (result.refreshAfterTimestamp !== undefined) renewAt = Math.min(renewAt, result.refreshAfterTimestamp);
        return { token: result.token, renewAt };
    }

    return {
        async get(audience) {
            const key = audience.replace(/\/+$/, "");
            const cached = cache.get(key);
            if (cached && now() < cached.renewAt) return cached.token;
            let inFlight = pending.get(key);
            if (!inFlight) {
                inFlight = signIn(key).finally(() => pending.delete(key));
                pending.set(key, inFlight);
            }
            const fresh = await inFlight;
            cache.set(key, fresh);
            return fresh.token;
        },
        invalidate(audience, token) {
            const key = audience.replace(/\/+$/, "");
            // Only drop the token that failed; another request may already hold a newer one.
            if (cache.get(key)?.token === token) cache.delete(key);
        },
    };
}

function signInError(audience: string, error: unknown, options: TokenSourceOptions) {
    const name = (error as { name?: string })?.name ?? "";
    const unavailable = name === "CredentialUnavailableError";
    if (unavailable && options.fallback) {
        return accessError("credential", {
            what: `No credentials for the Power Platform clients: no sign-in method is configured and the Azure CLI fallback failed (${messageOf(error)})`,
            fix: missingCredentialsHelp(),
        });
    }
    return accessError("credential", {
        what: `Signing in for ${audience} with the ${options.describe} failed: ${messageOf(error)}`,
        fix:
            "check the azuread:* settings or ARM_* variables (tenant, client id, secret or certificate), " +
            "that the application exists in the tenant and that its secret or certificate has not expired.",
    });
}

/** Reads claims from a JWT without verifying it: only to learn expiry and who we are, never to trust anyone. */
export function tokenClaims(token: string): Record<string, unknown> | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    try {
        const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
        return typeof claims === "object" && claims !== null ? claims : undefined;
    } catch {
        return undefined;
    }
}
