// Client settings from stack configuration and environment variables: who signs in,
// which endpoints to call, how long to wait. One function, used by the program at run
// time (with pulumi.runtime.allConfig()) and by the dynamic providers (with the
// config their configure() received), so both sign in as the same identity the
// azuread provider uses.
//
// Rules:
// - Credentials come from the azuread provider's keys (`azuread:clientId`, ...) or the
//   same ARM_* variables it reads; a configured key beats its variable.
// - Sign-in method, first that applies: client certificate, client secret, workload
//   identity (OIDC, when useOidc), managed identity (when useMsi), Azure CLI (unless
//   useCli is false), the azuread provider's order.
// - Endpoints: `d365-backup-access:endpoints` beats the D365BA_* / AZURE_AUTHORITY_HOST
//   variables, which beat the azuread metadata host, which beats the cloud's defaults.
// - Every problem is collected and reported at once, naming the key, the value (never
//   a secret's) and what is expected.

import { CLOUD_NAMES, CloudName, CLOUDS, cloudsForAzureadEnvironment, isCloudName } from "./clouds";
import { accessError } from "./errors";

export const NAMESPACE = "d365-backup-access";

/** Stack configuration with full keys ("azuread:clientId"): a plain map or anything with get(key). */
export type ConfigSource = Readonly<Record<string, unknown>> | { get(key: string): unknown };

export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

export type CredentialSettings =
    | {
          readonly method: "clientCertificate";
          readonly tenantId: string;
          readonly clientId: string;
          /** A file (PEM or PKCS#12) or base64 file contents, as the azuread provider takes them. */
          readonly certificatePath?: string;
          readonly certificateBase64?: string;
          readonly certificatePassword?: string;
      }
    | { readonly method: "clientSecret"; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
    | {
          readonly method: "oidc";
          readonly tenantId: string;
          readonly clientId: string;
          readonly token?: string;
          readonly tokenFilePath?: string;
          readonly requestUrl?: string;
          readonly requestToken?: string;
      }
    | { readonly method: "managedIdentity"; readonly tenantId?: string; readonly clientId?: string }
    | {
          readonly method: "azureCli";
          readonly tenantId?: string;
          /** True when nothing else was configured, so a failure should list what could be set. */
          readonly fallback: boolean;
      };

export interface EndpointSettings {
    readonly login: string;
    readonly graph: string;
    readonly bap: string;
    readonly bapAudience: string;
    /** azuread metadata host; consulted for login and Graph when neither was set explicitly. */
    readonly metadataHost?: string;
    readonly loginExplicit: boolean;
    readonly graphExplicit: boolean;
}

export interface HttpSettings {
    /** Overall bound on one API call, retries included. */
    readonly requestDeadlineMs: number;
    /** Bound on one attempt. */
    readonly attemptTimeoutMs: number;
    readonly maxAttempts: number;
    /** First backoff step when the service gives no Retry-After; doubles per attempt. */
    readonly retryBaseDelayMs: number;
    readonly retryMaxDelayMs: number;
    readonly maxConcurrentRequestsPerHost: number;
    /** D365BA_READ_ONLY: only GET requests are sent; anything else fails before it leaves. */
    readonly readOnly: boolean;
}

export interface WaitSettings {
    /** Bound on waiting for the account's Dataverse user (and the operator's application user) to appear. */
    readonly userSyncTimeoutMs: number;
    /** Bound on addUser refusals while a licence or a group membership propagates. */
    readonly licenseWaitTimeoutMs: number;
    /** Bound on waiting, after addAppUser, for an environment's Dataverse to accept the operator. */
    readonly operatorAccessTimeoutMs: number;
    /** First polling interval; grows by half each round up to pollMaxIntervalMs. */
    readonly pollIntervalMs: number;
    readonly pollMaxIntervalMs: number;
}

export interface ClientSettings {
    readonly cloud: CloudName;
    readonly endpoints: EndpointSettings;
    readonly credential: CredentialSettings;
    readonly http: HttpSettings;
    readonly waits: WaitSettings;
    /** Make a service-principal operator an application user of an environment whose Dataverse refuses it. */
    readonly addOperatorAppUser: boolean;
}

/** Every configuration key the clients read; the providers copy exactly these in configure(). */
export const CONFIG_KEYS: readonly string[] = [
    "azuread:tenantId",
    "azuread:clientId",
    "azuread:clientSecret",
    "azuread:clientCertificate",
    "azuread:clientCertificatePath",
    "azuread:clientCertificatePassword",
    "azuread:useOidc",
    "azuread:oidcToken",
    "azuread:oidcTokenFilePath",
    "azuread:oidcRequestToken",
    "azuread:oidcRequestUrl",
    "azuread:useMsi",
    "azuread:useCli",
    "azuread:environment",
    "azuread:metadataHost",
    `${NAMESPACE}:cloud`,
    `${NAMESPACE}:endpoints`,
    `${NAMESPACE}:requestTimeoutSeconds`,
    `${NAMESPACE}:maxConcurrentRequestsPerHost`,
    `${NAMESPACE}:userSyncTimeoutSeconds`,
    `${NAMESPACE}:licenseWaitTimeoutSeconds`,
    `${NAMESPACE}:operatorAccessTimeoutSeconds`,
    `${NAMESPACE}:pollIntervalSeconds`,
    `${NAMESPACE}:addOperatorAppUser`,
];

/**
 * The keys among CONFIG_KEYS whose values are credentials: set them with
 * `pulumi config set --secret` (the policy pack refuses a stack that holds one in
 * plain text). The same keys the reader below reads as secret.
 */
export const SECRET_CONFIG_KEYS: readonly string[] = [
    "azuread:clientSecret",
    "azuread:clientCertificate",
    "azuread:clientCertificatePassword",
    "azuread:oidcToken",
    "azuread:oidcRequestToken",
];

const DEFAULTS = {
    requestTimeoutSeconds: 300,
    maxConcurrentRequestsPerHost: 8,
    userSyncTimeoutSeconds: 600,
    // Microsoft's own provider retries userNotLicensed for about nine minutes.
    licenseWaitTimeoutSeconds: 600,
    // A new application user is usable within seconds; an environment still refusing
    // after two minutes refuses for a reason waiting does not cure.
    operatorAccessTimeoutSeconds: 120,
    pollIntervalSeconds: 0.5,
};

/** Dataverse refuses more than 52 concurrent requests per user. */
const DATAVERSE_CONCURRENCY_LIMIT = 52;
const ATTEMPT_TIMEOUT_MS = 120_000;
const MAX_ATTEMPTS = 10;
const RETRY_BASE_DELAY_MS = 500;
const RETRY_MAX_DELAY_MS = 30_000;
const POLL_MAX_INTERVAL_MS = 30_000;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"];

/** Reads one key; blank strings count as unset. */
function lookUp(config: ConfigSource, key: string): unknown {
    const getter = (config as { get?: unknown }).get;
    const value =
        typeof getter === "function"
            ? (getter as (k: string) => unknown).call(config, key)
            : (config as Readonly<Record<string, unknown>>)[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string" && value.trim() === "") return undefined;
    return value;
}

/** Copies exactly the keys the clients read, e.g. from the Config a dynamic provider's configure() receives. */
export function pickClientConfig(config: ConfigSource): Record<string, unknown> {
    const picked: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const value = lookUp(config, key);
        if (value !== undefined) picked[key] = value;
    }
    return picked;
}

interface Reader {
    /** A key's value, or its environment variable's; `secret` keeps the value out of messages. */
    text(key: string, variables?: readonly string[], secret?: boolean): string | undefined;
    flag(key: string, variables: readonly string[], fallback: boolean): boolean;
    seconds(key: string, fallback: number, max: number): number;
    count(key: string, fallback: number, max: number): number;
    problems: string[];
}

function sourceName(key: string, variables: readonly string[] = []): string {
    return variables.length ? `${key} (or ${variables.join(" / ")})` : key;
}

function createReader(config: ConfigSource, env: EnvironmentVariables): Reader {
    const problems: string[] = [];

    function raw(key: string, variables: readonly string[]): { value: unknown; from: string } | undefined {
        const configured = lookUp(config, key);
        if (configured !== undefined) return { value: configured, from: key };
        for (const variable of variables) {
            const value = env[variable];
            if (value !== undefined && value.trim() !== "") return { value, from: variable };
        }
        return undefined;
    }

    return {
        problems,
        text(key, variables = [], secret = SECRET_CONFIG_KEYS.includes(key)) {
            const found = raw(key, variables);
            if (!found) return undefined;
            if (typeof found.value !== "string") {
                const shown = secret ? "a non-text value" : JSON.stringify(found.value);
                problems.push(`${found.from}: ${shown} is not text; expected a string.`);
                return undefined;
            }
            return found.value.trim();
        },
        flag(key, variables, fallback) {
            const found = raw(key, variables);
            if (!found) return fallback;
            const value = typeof found.value === "string" ? found.value.trim().toLowerCase() : found.value;
            if (value === true || value === "true" || value === "1") return true;
            if (value === false || value === "false" || value === "0") return false;
            problems.push(`${found.from}: ${JSON.stringify(found.value)} is not a boolean; expected true or false.`);
            return fallback;
        },
        seconds(key, fallback, max) {
            const found = raw(key, []);
            if (!found) return fallback;
            const value = typeof found.value === "number" ? found.value : Number(String(found.value).trim());
            if (!Number.isFinite(value) || value <= 0 || value > max) {
                problems.push(`${key}: ${JSON.stringify(found.value)} is not a number of seconds; expected a number above 0 and at most ${max}.`);
                return fallback;
            }
            return value;
        },
        count(key, fallback, max) {
            const found = raw(key, []);
            if (!found) return fallback;
            const value = typeof found.value === "number" ? found.value : Number(String(found.value).trim());
            if (!Number.isInteger(value) || value < 1 || value > max) {
                problems.push(`${key}: ${JSON.stringify(found.value)} is not a whole number from 1 to ${max}.`);
                return fallback;
            }
            return value;
        },
    };
}

/**
 * Normalises an endpoint URL: https (plain http only on loopback, where the tenant
 * emulator runs), no query or fragment, no trailing slash.
 */
export function normalizeEndpoint(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return undefined;
    }
    const loopback = LOOPBACK_HOSTS.includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) return undefined;
    if (url.search || url.hash || url.username || url.password) return undefined;
    return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

const ENDPOINT_KEYS = ["login", "graph", "bap", "bapAudience"] as const;
type EndpointKey = (typeof ENDPOINT_KEYS)[number];

const ENDPOINT_VARIABLES: Record<EndpointKey, string> = {
    login: "AZURE_AUTHORITY_HOST",
    graph: "D365BA_GRAPH_URL",
    bap: "D365BA_BAP_URL",
    bapAudience: "D365BA_BAP_AUDIENCE",
};

function readEndpointOverrides(config: ConfigSource, problems: string[]): Partial<Record<EndpointKey, unknown>> {
    const key = `${NAMESPACE}:endpoints`;
    let value = lookUp(config, key);
    if (value === undefined) return {};
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            problems.push(`${key}: ${JSON.stringify(value)} is not JSON; expected an object such as {"bap": "https://api.bap.microsoft.com"}.`);
            return {};
        }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${key}: ${JSON.stringify(value)} is not an object; expected keys among ${ENDPOINT_KEYS.join(", ")}.`);
        return {};
    }
    const overrides: Partial<Record<EndpointKey, unknown>> = {};
    for (const [name, entry] of Object.entries(value)) {
        if (!(ENDPOINT_KEYS as readonly string[]).includes(name)) {
            problems.push(`${key}: unknown endpoint "${name}"; expected keys among ${ENDPOINT_KEYS.join(", ")}.`);
            continue;
        }
        overrides[name as EndpointKey] = entry;
    }
    return overrides;
}

function resolveCloud(read: Reader): CloudName {
    const cloudKey = `${NAMESPACE}:cloud`;
    const configured = read.text(cloudKey);
    const azureadEnvironment = read.text("azuread:environment", ["ARM_ENVIRONMENT"]);
    const compatible = azureadEnvironment ? cloudsForAzureadEnvironment(azureadEnvironment) : undefined;
    if (azureadEnvironment && !compatible) {
        read.problems.push(
            `azuread:environment (or ARM_ENVIRONMENT): ${JSON.stringify(azureadEnvironment)} is not an azuread cloud; ` +
                `expected public, usgovernment, usgovernmentl5, dod or china.`,
        );
    }
    if (configured !== undefined) {
        const cloud = configured.toLowerCase();
        if (!isCloudName(cloud)) {
            read.problems.push(`${cloudKey}: ${JSON.stringify(configured)} is not a cloud; expected one of ${CLOUD_NAMES.join(", ")}.`);
            return "public";
        }
        if (compatible && !compatible.includes(cloud)) {
            read.problems.push(
                `${cloudKey} is ${cloud} but azuread:environment (or ARM_ENVIRONMENT) is ${azureadEnvironment}; ` +
                    `they must name the same cloud (${cloud} goes with azuread environment ${azureadEnvironmentFor(cloud)}).`,
            );
        }
        return cloud;
    }
    return compatible ? compatible[0] : "public";
}

function azureadEnvironmentFor(cloud: CloudName): string {
    return { public: "public", usgov: "public", usgovhigh: "usgovernment", dod: "usgovernmentl5", china: "china" }[cloud];
}

function resolveEndpoints(config: ConfigSource, env: EnvironmentVariables, read: Reader, cloud: CloudName): EndpointSettings {
    const overrides = readEndpointOverrides(config, read.problems);
    const defaults = CLOUDS[cloud];
    const resolved: Record<EndpointKey, string> = { ...defaults };
    const explicit: Record<EndpointKey, boolean> = { login: false, graph: false, bap: false, bapAudience: false };
    for (const name of ENDPOINT_KEYS) {
        const configured = overrides[name];
        const variable = ENDPOINT_VARIABLES[name];
        const fromVariable = env[variable]?.trim() ? env[variable]!.trim() : undefined;
        const value = configured !== undefined ? configured : fromVariable;
        if (value === undefined) continue;
        const from = configured !== undefined ? `${NAMESPACE}:endpoints.${name}` : variable;
        const normalized = typeof value === "string" ? normalizeEndpoint(value.trim()) : undefined;
        if (!normalized) {
            read.problems.push(
                `${from}: ${JSON.stringify(value)} is not a usable URL; expected an absolute https URL without query ` +
                    `(plain http only on a loopback address), e.g. ${defaults[name]}.`,
            );
            continue;
        }
        resolved[name] = normalized;
        explicit[name] = true;
    }
    let metadataHost = read.text("azuread:metadataHost", ["ARM_METADATA_HOSTNAME"]);
    if (metadataHost !== undefined && !DOMAIN.test(metadataHost.replace(/:\d+$/, "")) && !/^127\.0\.0\.1(:\d+)?$/.test(metadataHost)) {
        read.problems.push(
            `azuread:metadataHost (or ARM_METADATA_HOSTNAME): ${JSON.stringify(metadataHost)} is not a host name; ` +
                `expected a host such as management.azure.com, without https://.`,
        );
        metadataHost = undefined;
    }
    return {
        ...resolved,
        metadataHost,
        loginExplicit: explicit.login,
        graphExplicit: explicit.graph,
    };
}

const TENANT_SOURCE = sourceName("azuread:tenantId", ["ARM_TENANT_ID"]);
const CLIENT_SOURCE = sourceName("azuread:clientId", ["ARM_CLIENT_ID"]);

function resolveCredential(read: Reader): CredentialSettings {
    const problems = read.problems;
    const tenantId = read.text("azuread:tenantId", ["ARM_TENANT_ID"]);
    const clientId = read.text("azuread:clientId", ["ARM_CLIENT_ID"]);
    const clientSecret = read.text("azuread:clientSecret", ["ARM_CLIENT_SECRET"], true);
    const certificateBase64 = read.text("azuread:clientCertificate", ["ARM_CLIENT_CERTIFICATE"], true);
    const certificatePath = read.text("azuread:clientCertificatePath", ["ARM_CLIENT_CERTIFICATE_PATH"]);
    const certificatePassword = read.text("azuread:clientCertificatePassword", ["ARM_CLIENT_CERTIFICATE_PASSWORD"], true);
    const useOidc = read.flag("azuread:useOidc", ["ARM_USE_OIDC"], false);
    const useMsi = read.flag("azuread:useMsi", ["ARM_USE_MSI"], false);
    const useCli = read.flag("azuread:useCli", ["ARM_USE_CLI"], true);

    if (tenantId !== undefined && !GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
        problems.push(`${TENANT_SOURCE}: ${JSON.stringify(tenantId)} is not a tenant id; expected a GUID or a domain such as contoso.onmicrosoft.com.`);
    }
    if (clientId !== undefined && !GUID.test(clientId)) {
        problems.push(`${CLIENT_SOURCE}: ${JSON.stringify(clientId)} is not an application (client) id; expected a GUID.`);
    }

    function requireApplication(method: string): { tenantId: string; clientId: string } {
        const missing = [tenantId ? undefined : TENANT_SOURCE, clientId ? undefined : CLIENT_SOURCE].filter(Boolean);
        if (missing.length) problems.push(`Signing in with ${method} needs ${missing.join(" and ")} to be set.`);
        return { tenantId: tenantId ?? "", clientId: clientId ?? "" };
    }

    if (certificateBase64 !== undefined || certificatePath !== undefined) {
        if (certificateBase64 !== undefined && certificatePath !== undefined) {
            problems.push(
                `Both ${sourceName("azuread:clientCertificate", ["ARM_CLIENT_CERTIFICATE"])} and ` +
                    `${sourceName("azuread:clientCertificatePath", ["ARM_CLIENT_CERTIFICATE_PATH"])} are set; set one.`,
            );
        }
        return {
            method: "clientCertificate",
            ...requireApplication("a client certificate"),
            certificateBase64,
            certificatePath,
            certificatePassword,
        };
    }
    if (clientSecret !== undefined) {
        return { method: "clientSecret", ...requireApplication("a client secret"), clientSecret };
    }
    if (useOidc) {
        const token = read.text("azuread:oidcToken", ["ARM_OIDC_TOKEN"], true);
        const tokenFilePath = read.text("azuread:oidcTokenFilePath", ["ARM_OIDC_TOKEN_FILE_PATH"]);
        const requestToken = read.text("azuread:oidcRequestToken", ["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"], true);
        const requestUrl = read.text("azuread:oidcRequestUrl", ["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"]);
        if (!token && !tokenFilePath && !(requestToken && requestUrl)) {
            problems.push(
                `azuread:useOidc is true but no federated token is available; set ${sourceName("azuread:oidcToken", ["ARM_OIDC_TOKEN"])}, ` +
                    `${sourceName("azuread:oidcTokenFilePath", ["ARM_OIDC_TOKEN_FILE_PATH"])}, or run in GitHub Actions with ` +
                    `"id-token: write" permission (ARM_OIDC_REQUEST_URL and ARM_OIDC_REQUEST_TOKEN).`,
            );
        }
        return { method: "oidc", ...requireApplication("workload identity (OIDC)"), token, tokenFilePath, requestToken, requestUrl };
    }
    if (useMsi) {
        return { method: "managedIdentity", tenantId, clientId };
    }
    if (useCli) {
        return { method: "azureCli", tenantId, fallback: true };
    }
    problems.push(`No sign-in method is configured and azuread:useCli is false. ${missingCredentialsHelp()}`);
    return { method: "azureCli", tenantId, fallback: true };
}

/** What to set when no credentials are configured; shared with the sign-in error. */
export function missingCredentialsHelp(): string {
    return (
        `Set one of: azuread:clientId + azuread:clientSecret + azuread:tenantId ` +
        `(or ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID); azuread:clientCertificatePath (or ARM_CLIENT_CERTIFICATE_PATH) ` +
        `with the client and tenant ids; azuread:useOidc true (or ARM_USE_OIDC=true) with ARM_OIDC_TOKEN or ARM_OIDC_TOKEN_FILE_PATH; ` +
        `azuread:useMsi true (or ARM_USE_MSI=true) on an Azure host with a managed identity; or sign in with \`az login\`.`
    );
}

/**
 * Builds the clients' settings from stack configuration (full keys) and environment
 * variables. Throws one "configuration" error listing every problem.
 */
export function resolveClientSettings(config: ConfigSource, env: EnvironmentVariables = process.env): ClientSettings {
    const { settings, problems } = readClientSettings(config, env);
    if (problems.length) {
        const count = problems.length;
        throw accessError("configuration", {
            what:
                `The Power Platform client configuration has ${count === 1 ? "a problem" : `${count} problems`}; nothing was changed:\n` +
                problems.map((problem) => `  - ${problem.replace(/\.$/, "")}`).join("\n"),
        });
    }
    return settings;
}

/**
 * The clients' settings and every problem in them, one line each, without throwing:
 * the program reports the problems together with its own keys' problems, in one
 * message, and uses the settings only when there are none.
 */
export function readClientSettings(config: ConfigSource, env: EnvironmentVariables = process.env): { settings: ClientSettings; problems: string[] } {
    const read = createReader(config, env);
    const cloud = resolveCloud(read);
    const endpoints = resolveEndpoints(config, env, read, cloud);
    const credential = resolveCredential(read);
    const requestSeconds = read.seconds(`${NAMESPACE}:requestTimeoutSeconds`, DEFAULTS.requestTimeoutSeconds, 3600);
    const concurrency = read.count(`${NAMESPACE}:maxConcurrentRequestsPerHost`, DEFAULTS.maxConcurrentRequestsPerHost, DATAVERSE_CONCURRENCY_LIMIT);
    const userSyncSeconds = read.seconds(`${NAMESPACE}:userSyncTimeoutSeconds`, DEFAULTS.userSyncTimeoutSeconds, 7200);
    const licenseSeconds = read.seconds(`${NAMESPACE}:licenseWaitTimeoutSeconds`, DEFAULTS.licenseWaitTimeoutSeconds, 7200);
    const operatorAccessSeconds = read.seconds(`${NAMESPACE}:operatorAccessTimeoutSeconds`, DEFAULTS.operatorAccessTimeoutSeconds, 1800);
    const pollSeconds = read.seconds(`${NAMESPACE}:pollIntervalSeconds`, DEFAULTS.pollIntervalSeconds, 300);
    // A read-only run (`npm run fleet -- status`, or any caller setting D365BA_READ_ONLY)
    // sends GET requests only, whatever the stack says; so it never adds the operator either.
    const readOnly = /^(1|true)$/i.test((env.D365BA_READ_ONLY ?? "").trim());
    const addOperatorAppUser = read.flag(`${NAMESPACE}:addOperatorAppUser`, [], true) && !readOnly;

    const pollIntervalMs = pollSeconds * 1000;
    const settings: ClientSettings = {
        cloud,
        endpoints,
        credential,
        http: {
            requestDeadlineMs: requestSeconds * 1000,
            attemptTimeoutMs: Math.min(ATTEMPT_TIMEOUT_MS, requestSeconds * 1000),
            maxAttempts: MAX_ATTEMPTS,
            retryBaseDelayMs: RETRY_BASE_DELAY_MS,
            retryMaxDelayMs: RETRY_MAX_DELAY_MS,
            maxConcurrentRequestsPerHost: concurrency,
            readOnly,
        },
        waits: {
            userSyncTimeoutMs: userSyncSeconds * 1000,
            licenseWaitTimeoutMs: licenseSeconds * 1000,
            operatorAccessTimeoutMs: operatorAccessSeconds * 1000,
            pollIntervalMs,
            pollMaxIntervalMs: Math.max(pollIntervalMs, Math.min(POLL_MAX_INTERVAL_MS, pollIntervalMs * 15)),
        },
        addOperatorAppUser,
    };
    return { settings, problems: read.problems };
}

/** The same settings for a read-only run: GET requests only, and the operator is never added (as D365BA_READ_ONLY does). */
export function readOnlySettings(settings: ClientSettings): ClientSettings {
    return { ...settings, addOperatorAppUser: false, http: { ...settings.http, readOnly: true } };
}

/** A one-line description of the sign-in method for messages; never includes a secret. */
export function describeCredential(credential: CredentialSettings): string {
    switch (credential.method) {
        case "clientCertificate":
            return `client certificate of application ${credential.clientId} in tenant ${credential.tenantId}`;
        case "clientSecret":
            return `client secret of application ${credential.clientId} in tenant ${credential.tenantId}`;
        case "oidc":
            return `workload identity (OIDC) of application ${credential.clientId} in tenant ${credential.tenantId}`;
        case "managedIdentity":
            return credential.clientId ? `managed identity ${credential.clientId}` : "the host's managed identity";
        case "azureCli":
            return `Azure CLI sign-in${credential.tenantId ? ` (tenant ${credential.tenantId})` : ""}`;
    }
}
