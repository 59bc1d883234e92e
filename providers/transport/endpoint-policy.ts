// Which hosts a token or a credential may go to: those of the selected cloud (clouds.ts),
// and others only when the stack opts in to custom endpoints
// (d365-backup-access:customEndpoints or D365BA_CUSTOM_ENDPOINTS=true), which every run
// then names in a warning. A token's audience follows from the cloud or, for a custom
// host, from the host itself, never from a setting of its own: a configuration cannot
// ask for a token meant for one service and hand it to another host.
//
// Also: how a URL is shown in messages, without the parts that may hold a secret (a SAS
// query, user:password@, a fragment).

import { CloudName, CLOUDS, EndpointKey } from "./clouds";

/** The endpoints of a cloud that configuration can move: the three services' and the metadata host. */
export type EndpointKind = EndpointKey | "metadata";

/** One host the clients talk to and the setting that chose it, e.g. "127.0.0.1:9" from "AZURE_AUTHORITY_HOST". */
export interface EndpointOrigin {
    readonly host: string;
    readonly from: string;
}

export const CUSTOM_ENDPOINTS_KEY = "d365-backup-access:customEndpoints";
export const CUSTOM_ENDPOINTS_VARIABLE = "D365BA_CUSTOM_ENDPOINTS";

/** The cloud's own host for `kind`, e.g. "api.bap.microsoft.com". */
export function cloudHost(cloud: CloudName, kind: EndpointKind): string {
    return kind === "metadata" ? CLOUDS[cloud].metadataHost : new URL(CLOUDS[cloud][kind]).host;
}

/** True when `url` is https on the cloud's own host for `kind`, on the default port. */
export function isCloudEndpoint(cloud: CloudName, kind: EndpointKind, url: string): boolean {
    const parsed = parse(url);
    if (parsed === undefined || parsed.protocol !== "https:") return false;
    const hosts = [cloudHost(cloud, kind), ...(kind === "graph" ? (CLOUDS[cloud].otherGraphHosts ?? []) : [])];
    return hosts.includes(parsed.host.toLowerCase());
}

/** True when `url` is https on a Dataverse instance host of the cloud (e.g. contoso.crm4.dynamics.com), on the default port. */
export function isCloudDataverseHost(cloud: CloudName, url: string): boolean {
    const parsed = parse(url);
    if (!parsed || parsed.protocol !== "https:" || parsed.port !== "") return false;
    const host = parsed.hostname.toLowerCase();
    return CLOUDS[cloud].dataverseDomains.some((domain) => host.endsWith(`.${domain}`));
}

/**
 * The audience of BAP tokens: the cloud's Power Apps service when BAP is the cloud's
 * own host, else the custom host's own origin (a token for that host and no other).
 */
export function bapAudienceFor(cloud: CloudName, bap: string): string {
    return isCloudEndpoint(cloud, "bap", bap) ? CLOUDS[cloud].bapAudience : new URL(bap).origin;
}

/** The warning every run with custom endpoints prints, naming each host outside the cloud and its setting. */
export function customEndpointsWarning(cloud: CloudName, hosts: readonly EndpointOrigin[]): string {
    const listed = hosts.map((origin) => `${origin.host} (from ${origin.from})`).join(", ");
    return (
        `Custom endpoints are on (${CUSTOM_ENDPOINTS_KEY} or ${CUSTOM_ENDPOINTS_VARIABLE}): tokens and credentials go to ` +
        `${listed}, which ${hosts.length === 1 ? "is not a host" : "are not hosts"} of the ${cloud} cloud. ` +
        `Turn the setting off unless these hosts are meant (the tenant emulator, a test proxy).`
    );
}

/**
 * A URL as messages may show it: scheme, host and path only. A query (a SAS
 * signature), a fragment or user:password@ never reaches output or logs. Text that is
 * not a URL is cut at the first "?" or "#", and anything before an "@" is dropped.
 */
export function showUrl(value: unknown): string {
    // A value that is not text is named by its kind only: an object or array may hold a
    // URL with a signature in it, and JSON of it would print that whole.
    if (typeof value !== "string") return describeKind(value);
    const parsed = parse(value.trim());
    if (parsed && parsed.host) return JSON.stringify(`${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`);
    const cut = value.trim().split(/[?#]/)[0];
    return JSON.stringify(cut.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1"));
}

/** "a number", "an object", "an array", "null": what a value is, without its content. */
function describeKind(value: unknown): string {
    if (value === null) return "null";
    const kind = Array.isArray(value) ? "array" : typeof value;
    return `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}`;
}

function parse(url: string): URL | undefined {
    try {
        return new URL(url);
    } catch {
        return undefined;
    }
}
