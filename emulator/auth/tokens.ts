// Access tokens: RS256 JWTs shaped like Entra's v1 app-only tokens (the kind Graph,
// BAP and Dataverse get for client credentials) or, for a user who signed in, its
// delegated tokens (idtyp user, upn, scp), signed with a key made at start.
// Clients do not verify them (MSAL does not), but the emulator's services do: a token
// that was not issued here fails signature validation like a forged one would.
import { createHash, createPublicKey, KeyObject, randomBytes, sign, verify } from "crypto";
import { randomGuid } from "../ids";

export interface TokenSubject {
    oid: string;
    appid: string;
    appDisplayName: string;
}

export interface TokenRequest extends TokenSubject {
    /** Set for a user's (delegated) token: who signed in; otherwise the token is app-only. */
    user?: { upn: string; name: string };
    audience: string;
    tenantId: string;
    issuer: string;
    lifetimeSeconds: number;
    /** Application permissions for the token's resource (Entra's `roles` claim); omitted when empty, as Entra does. */
    roles?: readonly string[];
}

export type TokenCheck = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: "malformed" | "signature"; detail: string };

function b64url(value: unknown): string {
    return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export class TokenIssuer {
    readonly keyId: string;
    private readonly publicKey: KeyObject;

    constructor(private readonly privateKey: KeyObject) {
        this.publicKey = createPublicKey(privateKey);
        const der = this.publicKey.export({ type: "spki", format: "der" });
        this.keyId = createHash("sha1").update(der).digest("base64url");
    }

    issue(request: TokenRequest, nowSeconds = Math.floor(Date.now() / 1000)): string {
        const header = { typ: "JWT", alg: "RS256", x5t: this.keyId, kid: this.keyId };
        const claims = {
            aud: request.audience,
            iss: request.issuer,
            iat: nowSeconds,
            nbf: nowSeconds,
            exp: nowSeconds + request.lifetimeSeconds,
            aio: randomBytes(24).toString("base64url"),
            app_displayname: request.appDisplayName,
            appid: request.appid,
            appidacr: "1",
            idp: request.issuer,
            idtyp: request.user ? "user" : "app",
            ...(request.user ? { upn: request.user.upn, name: request.user.name, scp: "user_impersonation" } : {}),
            oid: request.oid,
            rh: `0.${randomBytes(12).toString("base64url")}.`,
            sub: request.oid,
            tid: request.tenantId,
            uti: randomBytes(16).toString("base64url"),
            ver: "1.0",
            jti: randomGuid(),
            ...(request.roles && request.roles.length > 0 ? { roles: [...request.roles] } : {}),
        };
        const signingInput = `${b64url(header)}.${b64url(claims)}`;
        const signature = sign("sha256", Buffer.from(signingInput), this.privateKey).toString("base64url");
        return `${signingInput}.${signature}`;
    }

    /** Checks structure and signature; audience and lifetime are the services' business. */
    check(token: string): TokenCheck {
        const parts = token.split(".");
        if (parts.length !== 3) return { ok: false, reason: "malformed", detail: "a JWT has three dot-separated parts" };
        let claims: unknown;
        try {
            claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
        } catch {
            return { ok: false, reason: "malformed", detail: "the payload is not base64url-encoded JSON" };
        }
        if (typeof claims !== "object" || claims === null) return { ok: false, reason: "malformed", detail: "the payload is not a JSON object" };
        const valid = verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey, Buffer.from(parts[2], "base64url"));
        if (!valid) return { ok: false, reason: "signature", detail: "the signature was not made by this emulator's signing key" };
        return { ok: true, claims: claims as Record<string, unknown> };
    }

    /** The JSON Web Key Set published at the tenant's jwks_uri. */
    jwks(): { keys: Array<Record<string, unknown>> } {
        const jwk = this.publicKey.export({ format: "jwk" });
        return { keys: [{ kty: jwk.kty, use: "sig", kid: this.keyId, x5t: this.keyId, n: jwk.n, e: jwk.e }] };
    }
}

/** Reads claims without verifying anything: used only to name the caller in the request log. */
export function peekClaims(token: string): Record<string, unknown> | undefined {
    try {
        const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
        return typeof payload === "object" && payload !== null ? payload : undefined;
    } catch {
        return undefined;
    }
}
