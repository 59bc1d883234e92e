// One access token per audience, reused until shortly before it expires.
//
// "Shortly" scales with the token's lifetime: a quarter of it, at most two minutes.
// The expiry is the earlier of what the credential reports and the token's own "exp"
// claim (whole seconds, and possibly older than the credential's cached answer).
// An hour-long Entra token is renewed two minutes early, a short-lived one well
// before it lapses mid-request. Concurrent requests for the same audience share one
// sign-in. A token the service rejected (HTTP 401) is dropped so the next request
// signs in again.
//
// Sign-in is bounded: a credential that does not answer within the sign-in timeout
// fails (the signal asks it to stop; the timer stops waiting for one that ignores the
// signal), and a caller with a deadline of its own stops waiting at that deadline.

import { TokenCredentialLike } from "./credentials";
import { accessError, isAccessError, messageOf } from "./errors";
import { missingCredentialsHelp } from "./settings/credential-choice";

export interface TokenSource {
    /** A bearer token for `audience` (e.g. "https://service.powerapps.com"), by `deadline` (epoch ms) when given. */
    get(audience: string, options?: { readonly deadline?: number }): Promise<string>;
    /** Forgets the cached token so the next get() signs in again. */
    invalidate(audience: string, token: string): void;
}

export interface TokenSourceOptions {
    /** Names the sign-in method in error messages. */
    readonly describe: string;
    /** True when the Azure CLI was tried only because nothing else was configured. */
    readonly fallback?: boolean;
    readonly now?: () => number;
    /** Bound on one sign-in; two minutes by default. */
    readonly signInTimeoutMs?: number;
}

const MAX_EARLY_RENEWAL_MS = 120_000;
const DEFAULT_SIGN_IN_TIMEOUT_MS = 120_000;

interface CachedToken {
    readonly token: string;
    readonly renewAt: number;
}

export function createTokenSource(credential: TokenCredentialLike, options: TokenSourceOptions): TokenSource {
    const now = options.now ?? Date.now;
    const cache = new Map<string, CachedToken>();
    const pending = new Map<string, Promise<CachedToken>>();

    const signInTimeoutMs = options.signInTimeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;

    async function signIn(audience: string): Promise<CachedToken> {
        const requestedAt = now();
        let result: Awaited<ReturnType<TokenCredentialLike["getToken"]>>;
        const abort = new AbortController();
        try {
            result = await within(credential.getToken(`${audience}/.default`, { abortSignal: abort.signal }), signInTimeoutMs, () => {
                abort.abort();
                return signInTimeout(audience, signInTimeoutMs, options);
            });
        } catch (error) {
            if (isAccessError(error)) throw error;
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
        async get(audience, getOptions = {}) {
            const key = audience.replace(/\/+$/, "");
            const cached = cache.get(key);
            if (cached && now() < cached.renewAt) return cached.token;
            let inFlight = pending.get(key);
            if (!inFlight) {
                inFlight = signIn(key).finally(() => pending.delete(key));
                pending.set(key, inFlight);
            }
            // The shared sign-in goes on for other callers; this one stops waiting at its deadline.
            const fresh =
                getOptions.deadline === undefined
                    ? await inFlight
                    : await within(inFlight, getOptions.deadline - Date.now(), () => deadlinePassed(key, options));
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

/** The promise's outcome, or the error of `onTimeout` once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
    if (ms <= 0) return Promise.reject(onTimeout());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
        // A sign-in nobody waits for any more (its request gave up) must not keep the process alive.
        timer.unref?.();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function signInTimeout(audience: string, ms: number, options: TokenSourceOptions) {
    return accessError("credential", {
        what: `Signing in for ${audience} with the ${options.describe} did not finish within ${Math.round(ms / 1000)} s`,
        fix: "check that the sign-in endpoint (AZURE_AUTHORITY_HOST or the cloud's) answers, and the network; sign-in is bounded by the attempt timeout (d365-backup-access:requestTimeoutSeconds caps it).",
    });
}

function deadlinePassed(audience: string, options: TokenSourceOptions) {
    return accessError("retries-exhausted", {
        what: `The request deadline passed while signing in for ${audience} with the ${options.describe}`,
        fix: "check that the sign-in endpoint answers; requests give up after d365-backup-access:requestTimeoutSeconds.",
    });
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
