// Where to sign in and where Microsoft Graph lives, as the real provider finds out:
// from the Azure metadata service when a metadata host is configured
// (https://{host}/metadata/endpoints?api-version=2022-09-01, HTTPS only), otherwise
// from the built-in cloud named by `environment`.
//
// Unlike the real provider, the stand-in talks to the tenant emulator only: every
// endpoint must be a loopback host (loopbackCloud), checked before anything is sent.

import { displayEndpoint, hostOf, isLoopbackHost } from "../../../workspace/loopback";
import { ConfigurationError } from "./config";
import { HttpResponse, RetryPolicy, send } from "./http";

export interface CloudEndpoints {
    readonly name: string;
    /** Sign-in authority host, e.g. https://login.microsoftonline.com */
    readonly loginEndpoint: string;
    /** Graph base URL without /v1.0, no trailing slash. */
    readonly graph: string;
    /** Token scope for Graph. */
    readonly graphScope: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

function builtIn(name: string, login: string, graph: string): CloudEndpoints {
    return { name, loginEndpoint: login, graph, graphScope: `${graph}/.default` };
}

const PUBLIC = builtIn("global", "https://login.microsoftonline.com", "https://graph.microsoft.com");
const US_GOVERNMENT = builtIn("usgovernmentl4", "https://login.microsoftonline.us", "https://graph.microsoft.us");
const US_DOD = builtIn("usgovernmentl5", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us");
const CHINA = builtIn("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn");

/** The provider's environment names and their aliases. */
const ENVIRONMENTS: Readonly<Record<string, CloudEndpoints>> = {
    global: PUBLIC,
    public: PUBLIC,
    usgovernmentl4: US_GOVERNMENT,
    usgovernment: US_GOVERNMENT,
    usgovernmentl5: US_DOD,
    dod: US_DOD,
    china: CHINA,
};

export function endpointsForEnvironment(environment: string): CloudEndpoints {
    const found = ENVIRONMENTS[environment.trim().toLowerCase()];
    if (!found) {
        throw new ConfigurationError(`azuread:environment (or ARM_ENVIRONMENT) is '${environment}'; expected one of ${Object.keys(ENVIRONMENTS).join(", ")}`);
    }
    return found;
}

export async function endpointsFromMetadataHost(host: string, policy: RetryPolicy): Promise<CloudEndpoints> {
    const url = `https://${host}/metadata/endpoints?api-version=2022-09-01`;
    let response: HttpResponse;
    try {
        response = await send({ method: "GET", url }, policy);
    } catch (error) {
        throw new ConfigurationError(`retrieving metadata from endpoint "https://${host}": ${(error as Error).message}`);
    }
    if (response.status !== 200 || !response.body || typeof response.body !== "object") {
        throw new ConfigurationError(`retrieving metadata from endpoint "https://${host}": unexpected status ${response.status}`);
    }
    const doc = response.body as {
        name?: string;
        resourceManager?: string;
        microsoftGraphResourceId?: string;
        authentication?: { loginEndpoint?: string };
    };
    const missing = (what: string) => new ConfigurationError(`retrieving metadata from endpoint "https://${host}": no \`${what}\` was returned`);
    if (!doc.name) throw missing("name");
    if (!doc.resourceManager) throw missing("resourceManager");
    if (!doc.microsoftGraphResourceId) throw missing("microsoftGraphResourceId");
    if (!doc.authentication?.loginEndpoint) throw missing("authentication.loginEndpoint");
    const graph = trimSlash(doc.microsoftGraphResourceId);
    return { name: doc.name, loginEndpoint: trimSlash(doc.authentication.loginEndpoint), graph, graphScope: `${graph}/.default` };
}

const LOOPBACK_FIX =
    "This TEST-ONLY stand-in for the azuread provider talks only to the tenant emulator on this machine (localhost, 127.0.0.0/8, ::1). " +
    "Point azuread:metadataHost (or ARM_METADATA_HOSTNAME) at the emulator (its env file sets it: `. ./emulator.env`), " +
    "or, for a real tenant, install the real plugin: `pulumi plugin install resource azuread <version> --reinstall`.";

function refuseUnlessLoopback(what: string, value: string): void {
    const host = hostOf(value);
    if (host && isLoopbackHost(host)) return;
    throw new ConfigurationError(`${what} is ${displayEndpoint(value)}, which is not a loopback host. ${LOOPBACK_FIX}`);
}

/**
 * The emulator's endpoints, read from its metadata host; refused (before any request)
 * when no metadata host is set — the built-in clouds are Microsoft's — or when the host
 * or an endpoint it announces is not loopback.
 */
export async function loopbackCloud(settings: { readonly metadataHost?: string; readonly environment: string }, policy: RetryPolicy): Promise<CloudEndpoints> {
    if (!settings.metadataHost) {
        const builtIn = endpointsForEnvironment(settings.environment);
        throw new ConfigurationError(
            `azuread:metadataHost (or ARM_METADATA_HOSTNAME) is not set, so the built-in cloud '${builtIn.name}' would be used ` +
                `(${builtIn.loginEndpoint}, ${builtIn.graph}), which is not a loopback host. ${LOOPBACK_FIX}`,
        );
    }
    refuseUnlessLoopback("azuread:metadataHost (or ARM_METADATA_HOSTNAME)", settings.metadataHost);
    const cloud = await endpointsFromMetadataHost(settings.metadataHost, policy);
    refuseUnlessLoopback(`The metadata of ${settings.metadataHost} names the sign-in endpoint (authentication.loginEndpoint), which`, cloud.loginEndpoint);
    refuseUnlessLoopback(`The metadata of ${settings.metadataHost} names Microsoft Graph (microsoftGraphResourceId), which`, cloud.graph);
    return cloud;
}
