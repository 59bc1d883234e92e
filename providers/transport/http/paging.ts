// Lists that come in pages: every page read, the next-page link followed only to the
// same origin.

import { accessError } from "../errors";
import { callLabel, SERVICE_NAMES } from "./answers";
import { ApiRequest, ApiResponse, HttpClient } from "./request";

/**
 * Follows a paged list to its end. BAP pages with "nextLink", OData services with
 * "@odata.nextLink"; either is followed unchanged, but only to the same origin, so a
 * malformed link cannot carry the token to another host.
 */
export async function getAllPages<T>(http: HttpClient, first: ApiRequest, nextLinkField: "nextLink" | "@odata.nextLink", maxPages = 1000): Promise<T[]> {
    const items: T[] = [];
    const origin = new URL(first.url).origin;
    const seen = new Set<string>();
    let url: string | undefined = first.url;
    for (let page = 1; url; page++) {
        if (page > maxPages || seen.has(url)) {
            throw accessError("api", {
                what: `${SERVICE_NAMES[first.service]} kept returning pages for ${first.call} (${page - 1} read); stopped to avoid a loop`,
                environmentId: first.environmentId,
                call: callLabel(first),
                fix: "run again; if it persists, report the paging behaviour.",
            });
        }
        seen.add(url);
        const response: ApiResponse<Record<string, unknown>> = await http.send<Record<string, unknown>>({ ...first, url });
        const value = response.body?.value;
        if (!Array.isArray(value)) {
            throw accessError("api", {
                what: `${SERVICE_NAMES[first.service]} answered ${first.call} without a "value" list`,
                environmentId: first.environmentId,
                call: callLabel(first),
                fix: "check the endpoint settings: the URL may point at something other than the expected API.",
            });
        }
        items.push(...(value as T[]));
        const next = response.body?.[nextLinkField];
        url = typeof next === "string" && next !== "" ? next : undefined;
        if (url !== undefined && new URL(url, origin).origin !== origin) {
            throw accessError("api", {
                what: `${SERVICE_NAMES[first.service]} sent a next-page link to another host (${new URL(url, origin).origin}) for ${first.call}; not followed`,
                environmentId: first.environmentId,
                call: callLabel(first),
                fix: "check the endpoint settings; a proxy or gateway may be rewriting responses.",
            });
        }
        if (url !== undefined) url = new URL(url, origin).toString();
    }
    return items;
}
