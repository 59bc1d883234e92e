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
//   Every endpoint must be a host of the selected cloud unless the stack opts in to
//   custom endpoints (endpoint-policy.ts); http is refused everywhere. Each endpoint
//   remembers the setting that chose it, so an unreachable host is reported with it.
// - Booleans, in keys and variables alike: true/false or 1/0, any case; anything else
//   is a problem, never a silent false.
// - Every problem is collected and reported at once, naming the key, the value (never
//   a secret's) and what is expected.

import { parseBoolean } from "./booleans";
import { CLOUD_NAMES, CloudName, CLOUDS, cloudsForAzureadEnvironment, isCloudName } from "./clouds";
import { CUSTOM_ENDPOINTS_KEY, CUSTOM_ENDPOINTS_VARIABLE, EndpointOrigin, isCloudEndpoint, showUrl } from "./endpoint-policy";
import { accessError } from "./errors";
import { GUID_PATTERN } from "./ids";

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
    /** azuread metadata host; the endpoints it names are checked, and used for login and Graph when those were not set. */
    readonly metadataHost?: string;
    readonly loginExplicit: boolean;
    readonly graphExplicit: boolean;
    /** The setting that chose each endpoint ("AZURE_AUTHORITY_HOST", "d365-backup-access:endpoints.bap", "the public cloud"). */
    readonly sources: { readonly login: string; readonly graph: string; readonly bap: string; readonly metadata?: string };
    /** Custom endpoints opted in: hosts outside the cloud are allowed, and every run names them. */
    readonly custom: boolean;
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
    /**
     * Set for a delete's context (destroy, an environment removed from the list): writes
     * go out, but the operator is never made an application user, whatever
     * addOperatorAppUser says — giving access back must not grant the operator any.
     */
    readonly removalOnly?: boolean;
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
    `${NAMESPACE}:customEndpoints`,
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

const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

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
    /** A key's value, or its environment variable's (key undefined: a variable only); `secret` keeps the value out of messages. */
    text(key: string | undefined, variables?: readonly string[], secret?: boolean): string | undefined;
    /** A boolean key or variable (key undefined: a variable only). */
    flag(key: string | undefined, variables: readonly string[], fallback: boolean): boolean;
    seconds(key: string, fallback: number, max: number): number;
    count(key: string, fallback: number, max: number): number;
    problems: string[];
}

function sourceName(key: string, variables: readonly string[] = []): string {
    return variables.length ? `${key} (or ${variables.join(" / ")})` : key;
}

function createReader(config: ConfigSource, env: EnvironmentVariables): Reader {
    const problems: string[] = [];

    function raw(key: string | undefined, variables: readonly string[]): { value: unknown; from: string } | undefined {
        const configured = key === undefined ? undefined : lookUp(config, key);
        if (configured !== undefined) return { value: configured, from: key! };
        for (const variable of variables) {
            const value = env[variable];
            if (value !== undefined && value.trim() !== "") return { value, from: variable };
        }
        return undefined;
    }

    return {
        problems,
        text(key, variables = [], secret = key !== undefined && SECRET_CONFIG_KEYS.includes(key)) {
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
            const value = parseBoolean(found.value);
            if (value !== undefined) return value;
            problems.push(`${found.from}: ${JSON.stringify(found.value)} is not a boolean; expected true or false (or 1 or 0).`);
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
 * Normalises an endpoint URL: https only (the tenant emulator serves https too), no
 * query, fragment or user-info, no trailing slash.
 */
export function normalizeEndpoint(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return undefined;
    }
    if (url.protocol !== "https:") return undefined;
    if (url.search || url.hash || url.username || url.password) return undefined;
    return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

const ENDPOINT_KEYS = ["login", "graph", "bap"] as const;
type EndpointKey = (typeof ENDPOINT_KEYS)[number];

const ENDPOINT_VARIABLES: Record<EndpointKey, string> = {
    login: "AZURE_AUTHORITY_HOST",
    graph: "D365BA_GRAPH_URL",
    bap: "D365BA_BAP_URL",
};

const METADATA_SOURCE = sourceName("azuread:metadataHost", ["ARM_METADATA_HOSTNAME"]);

/** What replaced the removed bapAudience endpoint: the audience follows from the cloud or the host. */
const BAP_AUDIENCE_REMOVED =
    "is no longer a setting: the BAP token's audience follows from the cloud (d365-backup-access:cloud), or for a custom BAP host " +
    "from that host itself; remove it";

function readEndpointOverrides(config: ConfigSource, problems: string[]): Partial<Record<EndpointKey, unknown>> {
    const key = `${NAMESPACE}:endpoints`;
    let value = lookUp(config, key);
    if (value === undefined) return {};
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            problems.push(`${key}: the value is not JSON; expected an object such as {"bap": "https://api.bap.microsoft.com"}.`);
            return {};
        }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${key}: the value is not an object; expected keys among ${ENDPOINT_KEYS.join(", ")}.`);
        return {};
    }
    const overrides: Partial<Record<EndpointKey, unknown>> = {};
    for (const [name, entry] of Object.entries(value)) {
        if (name === "bapAudience") {
            problems.push(`${key}.bapAudience ${BAP_AUDIENCE_REMOVED}.`);
            continue;
        }
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
    if (env.D365BA_BAP_AUDIENCE?.trim()) read.problems.push(`D365BA_BAP_AUDIENCE ${BAP_AUDIENCE_REMOVED} from the environment.`);
    // Either turns it on: Pulumi.yaml gives the key a default of false, which must not
    // hide the variable that the emulator's env file and the test plumbing set.
    const custom = read.flag(CUSTOM_ENDPOINTS_KEY, [], false) || read.flag(undefined, [CUSTOM_ENDPOINTS_VARIABLE], false);
    const defaults = CLOUDS[cloud];
    const resolved: Record<EndpointKey, string> = { login: defaults.login, graph: defaults.graph, bap: defaults.bap };
    const sources: Record<EndpointKey, string> = { login: `the ${cloud} cloud`, graph: `the ${cloud} cloud`, bap: `the ${cloud} cloud` };
    const explicit: Record<EndpointKey, boolean> = { login: false, graph: false, bap: false };
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
                `${from}: ${showUrl(value)} is not a usable URL; expected an absolute https URL without query, fragment ` +
                    `or user name, e.g. ${defaults[name]}.`,
            );
            continue;
        }
        if (!custom && !isCloudEndpoint(cloud, name, normalized)) {
            read.problems.push(offCloud(from, showUrl(normalized), `the ${cloud} cloud's ${name} endpoint is ${defaults[name]}`));
            continue;
        }
        resolved[name] = normalized;
        sources[name] = from;
        explicit[name] = true;
    }
    let metadataHost = read.text("azuread:metadataHost", ["ARM_METADATA_HOSTNAME"]);
    let metadataSource: string | undefined;
    if (metadataHost !== undefined) {
        metadataSource = lookUp(config, "azuread:metadataHost") !== undefined ? "azuread:metadataHost" : "ARM_METADATA_HOSTNAME";
        if (!DOMAIN.test(metadataHost.replace(/:\d+$/, "")) && !/^127\.0\.0\.1(:\d+)?$/.test(metadataHost)) {
            read.problems.push(
                `${METADATA_SOURCE}: ${showUrl(metadataHost)} is not a host name; expected a host such as ${defaults.metadataHost}, without https://.`,
            );
            metadataHost = undefined;
        } else if (!custom && !isCloudEndpoint(cloud, "metadata", `https://${metadataHost}`)) {
            read.problems.push(offCloud(metadataSource, JSON.stringify(metadataHost), `the ${cloud} cloud's metadata host is ${defaults.metadataHost}`));
            metadataHost = undefined;
        }
    }
    return {
        ...resolved,
        metadataHost,
        loginExplicit: explicit.login,
        graphExplicit: explicit.graph,
        sources: { ...sources, metadata: metadataHost === undefined ? undefined : metadataSource },
        custom,
    };
}

/** The refusal of a host outside the cloud, with both ways out. */
function offCloud(from: string, shown: string, expected: string): string {
    return (
        `${from}: ${shown} is not a host of the selected cloud (${expected}); tokens and credentials go only to the cloud's hosts. ` +
        `Remove the setting, fix d365-backup-access:cloud, or opt in to custom endpoints with ${CUSTOM_ENDPOINTS_KEY}: true ` +
        `(or ${CUSTOM_ENDPOINTS_VARIABLE}=true) if this host is meant (the tenant emulator, a test proxy).`
    );
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

    if (tenantId !== undefined && !GUID_PATTERN.test(tenantId) && !DOMAIN.test(tenantId)) {
        problems.push(`${TENANT_SOURCE}: ${JSON.stringify(tenantId)} is not a tenant id; expected a GUID or a domain such as contoso.onmicrosoft.com.`);
    }
    if (clientId !== undefined && !GUID_PATTERN.test(clientId)) {
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
        const request = token || tokenFilePath ? {} : readOidcRequest(read);
        const { requestToken, requestUrl } = request;
        if (!token && !tokenFilePath && !(requestToken && requestUrl) && !request.refused) {
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

/** Where a federated-token request URL and its token may come from: always both from one place. */
const OIDC_REQUEST_PAIRS = [
    { url: "azuread:oidcRequestUrl", token: "azuread:oidcRequestToken", configKeys: true },
    { url: "ARM_OIDC_REQUEST_URL", token: "ARM_OIDC_REQUEST_TOKEN", configKeys: false },
    { url: "ACTIONS_ID_TOKEN_REQUEST_URL", token: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", configKeys: false },
] as const;

/**
 * The request URL and token for a workload identity token, from the first place that
 * sets either: the azuread keys, then ARM_OIDC_REQUEST_*, then GitHub's
 * ACTIONS_ID_TOKEN_REQUEST_*. Never a URL from one place with the token of another:
 * a configured URL must not receive GitHub's request token. https only.
 */
function readOidcRequest(read: Reader): { requestUrl?: string; requestToken?: string; refused?: boolean } {
    for (const pair of OIDC_REQUEST_PAIRS) {
        const url = pair.configKeys ? read.text(pair.url) : read.text(undefined, [pair.url]);
        const token = pair.configKeys ? read.text(pair.token, [], true) : read.text(undefined, [pair.token], true);
        if (url === undefined && token === undefined) continue;
        if (url === undefined || token === undefined) {
            read.problems.push(
                `${url === undefined ? pair.token : pair.url} is set but ${url === undefined ? pair.url : pair.token} is not; ` +
                    `a federated-token request URL and its token must come from the same place (${pair.url} with ${pair.token}), ` +
                    `never one from the stack and the other from the CI system. Set both, or neither.`,
            );
            return { refused: true };
        }
        if (!isHttpsUrl(url)) {
            read.problems.push(`${pair.url}: ${showUrl(url)} is not an https URL; the request token is sent to it, so only https is accepted.`);
            return { refused: true };
        }
        return { requestUrl: url, requestToken: token };
    }
    return {};
}

function isHttpsUrl(value: string): boolean {
    try {
        const url = new URL(value);
        return url.protocol === "https:" && !url.username && !url.password;
    } catch {
        return false;
    }
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
    // Read strictly: "yes" is refused, never taken for "not read-only".
    const readOnly = read.flag(undefined, ["D365BA_READ_ONLY"], false);
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

/** A delete's settings: writes allowed, the operator never made an application user. */
export function removalSettings(settings: ClientSettings): ClientSettings {
    return { ...settings, addOperatorAppUser: false, removalOnly: true };
}

/**
 * The configured endpoints' hosts that are not the cloud's, with the setting that chose
 * each (empty without custom endpoints: such hosts are refused then). What the
 * metadata host names is read at run time and added by the client context.
 */
export function configuredCustomHosts(settings: ClientSettings): EndpointOrigin[] {
    const { endpoints, cloud } = settings;
    const hosts: EndpointOrigin[] = [];
    for (const kind of ENDPOINT_KEYS) {
        if (!isCloudEndpoint(cloud, kind, endpoints[kind])) hosts.push({ host: new URL(endpoints[kind]).host, from: endpoints.sources[kind] });
    }
    if (endpoints.metadataHost && !isCloudEndpoint(cloud, "metadata", `https://${endpoints.metadataHost}`)) {
        hosts.push({ host: endpoints.metadataHost, from: endpoints.sources.metadata ?? "azuread:metadataHost" });
    }
    return hosts;
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
