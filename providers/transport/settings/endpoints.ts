// The cloud and the endpoints: d365-backup-access:cloud (or the azuread environment it
// must agree with), then `d365-backup-access:endpoints`, which beats the D365BA_* /
// AZURE_AUTHORITY_HOST variables, which beat the azuread metadata host, which beats the
// cloud's defaults. Every endpoint must be a host of the selected cloud unless the
// stack opts in to custom endpoints (endpoint-policy.ts); http is refused everywhere.
// Each endpoint remembers the setting that chose it, so an unreachable host is reported
// with it.

import { CLOUD_NAMES, CloudName, CLOUDS, cloudsForAzureadEnvironment, ENDPOINT_KEYS, EndpointKey, isCloudName } from "../clouds";
import { CUSTOM_ENDPOINTS_KEY, CUSTOM_ENDPOINTS_VARIABLE, EndpointOrigin, isCloudEndpoint, showUrl } from "../endpoint-policy";
import { DOMAIN_NAME_PATTERN } from "../ids";
import { NAMESPACE } from "./keys";
import { lookUp, Reader, sourceName } from "./reader";
import { ClientSettings, ConfigSource, EndpointSettings, EnvironmentVariables } from "./types";

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

export function resolveCloud(read: Reader): CloudName {
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

export function resolveEndpoints(config: ConfigSource, env: EnvironmentVariables, read: Reader, cloud: CloudName): EndpointSettings {
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
        if (!DOMAIN_NAME_PATTERN.test(metadataHost.replace(/:\d+$/, "")) && !/^127\.0\.0\.1(:\d+)?$/.test(metadataHost)) {
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
