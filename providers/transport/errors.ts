// Errors raised by the Power Platform clients and providers.
//
// Plain Error objects tagged with a `kind`, built by factory functions, never
// subclasses: the providers run from code that Pulumi serializes by value, and a
// serialized `class X extends Error` loses its message (the constructor is rewritten
// into a plain function that calls Error() without binding it to `this`). Callers
// tell errors apart with isAccessError(error, kind).
//
// Every message says where (environment, call), what happened (status, service code,
// the service's own words) and what to do about it. Messages never carry credentials:
// anything that looks like a bearer token is cut out of text a service sent back.

export type AccessErrorKind =
    /** Stack configuration or environment variables are wrong or incomplete. */
    | "configuration"
    /** Signing in failed (no credentials, wrong secret, CLI not logged in, ...). */
    | "credential"
    /** A service answered with an error status that no more specific kind covers. */
    | "api"
    /** Retries on throttling, timeouts or connection resets ran out of attempts or time. */
    | "retries-exhausted"
    /** The environment id is not one BAP knows. */
    | "unknown-environment"
    /** The environment has no Dataverse database. */
    | "no-dataverse"
    /**
     * The environment cannot be served now, or ever, for what it is or the state it is in
     * (Dataverse for Teams, disabled, still provisioning, not ready, busy): BAP says so, or
     * Power Platform or Dataverse refused for that reason. `reasonCode` says which.
     */
    | "environment-unavailable"
    /** A Developer environment admits its owner alone, and Power Platform refused the account. */
    | "developer-environment"
    /** The account's Dynamics licence never reached the environment. */
    | "licence"
    /** The environment is restricted to a security group the account is not (yet) in. */
    | "security-group"
    /** The account's Dataverse user is disabled. */
    | "disabled-user"
    /** The operator itself has no access to the environment's Dataverse. */
    | "operator-access"
    /** The operator's application is not registered as a Power Platform management application. */
    | "admin-application"
    /** Something expected to show up (a user, a role) did not in time. */
    | "wait-timeout"
    /** Something the request depends on does not exist (a user, a role copy). */
    | "not-found";

export interface AccessErrorDetails {
    /** What went wrong, as a sentence fragment without the trailing period. */
    readonly what: string;
    readonly environmentId?: string;
    /** The environment's display name, shown beside its id. */
    readonly environmentName?: string;
    /** Why the environment cannot be served (clients/environment-kinds.ts SkipReasonCode), for environment-unavailable. */
    readonly reasonCode?: string;
    /** The call that failed, e.g. "BAP addUser (POST …/environments/{id}/addUser)". */
    readonly call?: string;
    readonly status?: number;
    /** The service's error code, e.g. "0x80040220" or "userNotLicensed". */
    readonly code?: string;
    /** What the operator should do. */
    readonly fix?: string;
}

/** The error carries every detail but `what`, which its message holds. */
export interface AccessError extends Error, Omit<AccessErrorDetails, "what"> {
    readonly kind: AccessErrorKind;
}

export const ACCESS_ERROR_NAME = "D365BackupAccessError";

// JWTs (three base64url segments, the first starting "eyJ") and "Bearer xyz" values.
const TOKEN_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const BEARER_PATTERN = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/** Removes anything that looks like an access token from text a service or library produced. */
export function redactTokens(text: string): string {
    return text.replace(TOKEN_PATTERN, "[redacted token]").replace(BEARER_PATTERN, "$1[redacted]");
}

export function composeMessage(details: AccessErrorDetails): string {
    const name = details.environmentName && details.environmentName !== details.environmentId ? ` ("${redactTokens(details.environmentName)}")` : "";
    const where = details.environmentId ? `Environment ${details.environmentId}${name}: ` : "";
    let answer = "";
    if (details.status !== undefined) {
        answer = ` (HTTP ${details.status}${details.code ? ` ${details.code}` : ""})`;
    } else if (details.code) {
        answer = ` (${details.code})`;
    }
    const call = details.call ? ` [${details.call}${answer}]` : answer;
    const what = redactTokens(details.what).replace(/[.\s]+$/, "");
    const fix = details.fix ? ` Fix: ${details.fix.replace(/\s+$/, "")}` : "";
    return `${where}${what}${call}.${fix}`;
}

export function accessError(kind: AccessErrorKind, details: AccessErrorDetails): AccessError {
    const error = new Error(composeMessage(details)) as Error & Record<string, unknown>;
    error.name = ACCESS_ERROR_NAME;
    error.kind = kind;
    // Never set a property named "id": the dynamic provider host reads error.id as
    // "created but failed to initialise" and would record a half-made resource.
    for (const key of ["environmentId", "environmentName", "reasonCode", "call", "status", "code", "fix"] as const) {
        if (details[key] !== undefined) error[key] = details[key];
    }
    return error as unknown as AccessError;
}

export function isAccessError(error: unknown, kind?: AccessErrorKind): error is AccessError {
    if (typeof error !== "object" || error === null) return false;
    const candidate = error as { name?: unknown; kind?: unknown };
    return candidate.name === ACCESS_ERROR_NAME && (kind === undefined || candidate.kind === kind);
}

/**
 * An error's own words, without the environment, call and fix its message also carries:
 * for a new error that names those itself.
 */
export function ownWords(error: AccessError): string {
    let text = error.message;
    const name = error.environmentName && error.environmentName !== error.environmentId ? ` ("${redactTokens(error.environmentName)}")` : "";
    const where = error.environmentId ? `Environment ${error.environmentId}${name}: ` : "";
    if (where && text.startsWith(where)) text = text.slice(where.length);
    const fixAt = text.indexOf(" Fix: ");
    if (fixAt >= 0) text = text.slice(0, fixAt);
    const callAt = error.call ? text.lastIndexOf(` [${error.call}`) : -1;
    if (callAt >= 0) text = text.slice(0, callAt);
    return text.replace(/[.\s]+$/, "");
}

/** The message of anything thrown, tokens removed. */
export function messageOf(error: unknown): string {
    if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
        return redactTokens((error as { message: string }).message);
    }
    return redactTokens(String(error));
}
