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
//
// The parts: types.ts (the shapes), keys.ts (the keys read), reader.ts (one value and
// its problems), endpoints.ts (cloud and endpoints), credential-choice.ts (who signs
// in). This module puts them together, with the waits and limits.

import { accessError } from "../errors";
import { resolveCredential } from "./credential-choice";
import { resolveCloud, resolveEndpoints } from "./endpoints";
import { NAMESPACE } from "./keys";
import { createReader } from "./reader";
import { ClientSettings, ConfigSource, EnvironmentVariables } from "./types";

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
