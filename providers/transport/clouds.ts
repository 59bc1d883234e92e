// Microsoft clouds: the sign-in, Microsoft Graph and Power Platform admin (BAP) hosts
// of each, the token audience BAP expects, the ARM host that serves the cloud's
// metadata and the domains of its Dataverse instances. These are the only hosts a
// token or a credential goes to, unless a stack opts in to custom endpoints (see
// settings/endpoints.ts and endpoint-policy.ts).
//
// Sources: Microsoft's Power Platform documentation and Microsoft's own Terraform
// provider for Power Platform (its per-cloud settings), the Azure SDK cloud tables for
// sign-in, Graph and ARM hosts. Entries marked UNCERTAIN disagree between sources.

export const CLOUD_NAMES = ["public", "usgov", "usgovhigh", "dod", "china"] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/**
 * The endpoints the clients call, one URL per service: the one endpoint shape. A
 * cloud's defaults (CloudEndpoints), the configured ones (settings/types.ts EndpointSettings)
 * and those a client context resolved (context.ts ResolvedEndpoints) each add to it.
 */
export interface Endpoints {
    /** Entra ID sign-in authority host, without tenant. */
    readonly login: string;
    /** Microsoft Graph base URL, without /v1.0. */
    readonly graph: string;
    /** Power Platform admin API (BAP) base URL, without /providers/.... */
    readonly bap: string;
}

export type EndpointKey = keyof Endpoints;

/** The keys of Endpoints, in the order messages list them. */
export const ENDPOINT_KEYS: readonly EndpointKey[] = ["login", "graph", "bap"];

export interface CloudEndpoints extends Endpoints {
    /** Audience of BAP tokens: the cloud's Power Apps service, not the BAP host. */
    readonly bapAudience: string;
    /** The ARM host that serves the cloud's /metadata/endpoints (azuread:metadataHost). */
    readonly metadataHost: string;
    /** Domains of the cloud's Dataverse instances: an instance is a host directly or further under one. */
    readonly dataverseDomains: readonly string[];
    /** Other Graph hosts of the cloud, e.g. the one its ARM metadata names when that differs. */
    readonly otherGraphHosts?: readonly string[];
}

export const CLOUDS: Readonly<Record<CloudName, CloudEndpoints>> = {
    public: {
        login: "https://login.microsoftonline.com",
        graph: "https://graph.microsoft.com",
        bap: "https://api.bap.microsoft.com",
        bapAudience: "https://service.powerapps.com",
        metadataHost: "management.azure.com",
        dataverseDomains: ["dynamics.com"],
    },
    // US Government Community Cloud (GCC): commercial Entra ID and Graph, its own
    // Power Platform hosts. UNCERTAIN: some Microsoft tools use the audience
    // https://gov.service.powerapps.us instead of https://service.powerapps.us.
    usgov: {
        login: "https://login.microsoftonline.com",
        graph: "https://graph.microsoft.com",
        bap: "https://gov.api.bap.microsoft.us",
        bapAudience: "https://service.powerapps.us",
        // GCC tenants use the commercial Azure; their instances are *.crm9.dynamics.com.
        metadataHost: "management.azure.com",
        dataverseDomains: ["dynamics.com"],
    },
    // GCC High: the US Government Entra ID and Graph. UNCERTAIN: Microsoft's Terraform
    // provider uses https://high.service.apps.appsplatform.us as the audience, older
    // Microsoft tools https://high.service.powerapps.us.
    usgovhigh: {
        login: "https://login.microsoftonline.us",
        graph: "https://graph.microsoft.us",
        bap: "https://high.api.bap.microsoft.us",
        bapAudience: "https://high.service.apps.appsplatform.us",
        metadataHost: "management.usgovcloudapi.net",
        dataverseDomains: ["crm.microsoftdynamics.us"],
    },
    // DoD: the US Government Entra ID, the DoD Graph host.
    dod: {
        login: "https://login.microsoftonline.us",
        graph: "https://dod-graph.microsoft.us",
        bap: "https://api.bap.appsplatform.us",
        bapAudience: "https://service.apps.appsplatform.us",
        metadataHost: "management.usgovcloudapi.net",
        dataverseDomains: ["crm.appsplatform.us"],
        // The US Government ARM metadata names graph.microsoft.us, DoD's Graph too.
        otherGraphHosts: ["graph.microsoft.us"],
    },
    // Operated by 21Vianet.
    china: {
        login: "https://login.chinacloudapi.cn",
        graph: "https://microsoftgraph.chinacloudapi.cn",
        bap: "https://api.bap.partner.microsoftonline.cn",
        bapAudience: "https://service.powerapps.cn",
        metadataHost: "management.chinacloudapi.cn",
        dataverseDomains: ["crm.dynamics.cn"],
    },
};

export function isCloudName(value: string): value is CloudName {
    return (CLOUD_NAMES as readonly string[]).includes(value);
}

/**
 * The clouds an azuread provider `environment` value is compatible with. GCC tenants
 * sign in to the commercial Entra ID, so "public" fits both public and usgov.
 */
export function cloudsForAzureadEnvironment(environment: string): readonly CloudName[] | undefined {
    switch (environment.trim().toLowerCase()) {
        case "public":
        case "global":
            return ["public", "usgov"];
        case "usgovernment":
        case "usgovernmentl4":
            return ["usgovhigh"];
        case "usgovernmentl5":
        case "dod":
            return ["dod"];
        case "china":
            return ["china"];
        default:
            return undefined;
    }
}

/** The authority host @azure/identity uses when given none; any other host needs instance discovery turned off. */
export const PUBLIC_AUTHORITY_HOST = CLOUDS.public.login;
