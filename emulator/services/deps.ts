// What every service handler gets: the live tenant, the token issuer and the
// endpoints of all origins (filled in once every origin listens, read per request).
import { TokenIssuer } from "../auth/tokens";
import { Tenant } from "../tenant/tenant";

export interface Endpoints {
    /** Login base URL (authority host), e.g. https://127.0.0.1:52011 */
    login: string;
    /** host:port serving /metadata/endpoints (ARM_METADATA_HOSTNAME) */
    metadataHost: string;
    /** Graph base URL without /v1.0 */
    graph: string;
    /** BAP base URL without /providers/... */
    bap: string;
    /** Environment id -> instanceUrl (with trailing slash) */
    dataverse: Record<string, string>;
}

export interface ServiceDeps {
    tenant: Tenant;
    tokens: TokenIssuer;
    endpoints: Endpoints;
    warn: (message: string) => void;
}

/** The cloud's audience accepted by BAP (the Power Apps service); BAP also accepts its own origin, the audience of a custom BAP host. */
export const POWER_APPS_AUDIENCE = "https://service.powerapps.com";
/** Tokens for the newer Power Platform API: issued by login, rejected by BAP. */
export const POWER_PLATFORM_API_AUDIENCE = "https://api.powerplatform.com";
/** Graph's well-known audience; the azuread provider always asks for it. */
export const GRAPH_AUDIENCE = "https://graph.microsoft.com";

/** Dataverse audience of an environment: the origin of its instanceUrl. */
export function dataverseAudience(instanceUrl: string): string {
    return new URL(instanceUrl).origin;
}

export function unknownRoute(deps: ServiceDeps, service: string, method: string, target: string): void {
    deps.warn(`[emulator] UNKNOWN ROUTE ${service}: ${method} ${target} — not emulated; answered with the service's not-found error`);
}
