// Where to sign in and where Microsoft Graph lives, as the real provider finds out:
// from the Azure metadata service when a metadata host is configured
// (https://{host}/metadata/endpoints?api-version=2022-09-01, HTTPS only), otherwise
// from the built-in cloud named by `environment`.

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
        throw new ConfigurationError(
            `azuread:environment (or ARM_ENVIRONMENT) is '${environment}'; expected one of ${Object.keys(ENVIRONMENTS).join(", ")}`,
        );
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
