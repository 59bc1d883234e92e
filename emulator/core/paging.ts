// Server-driven paging shared by the services: a page of a list, and the link to the
// next page (the same request with an opaque $skiptoken), which clients follow as is.

export interface Page<T> {
    items: T[];
    /** Offset of the next page, absent on the last page. */
    nextOffset?: number;
}

export function pageOf<T>(items: readonly T[], offset: number, size: number): Page<T> {
    const slice = items.slice(offset, offset + size);
    return offset + size < items.length ? { items: slice, nextOffset: offset + size } : { items: slice };
}

/** The offset a $skiptoken stands for; undefined when the token was not made here. */
export function decodeSkipToken(token: string | null): number | undefined {
    if (token === null) return 0;
    const match = Buffer.from(token, "base64url")
        .toString("utf8")
        .match(/^offset:(\d+)$/);
    return match ? Number(match[1]) : undefined;
}

export function nextLink(origin: string, path: string, query: URLSearchParams, offset: number): string {
    const next = new URLSearchParams(query);
    next.set("$skiptoken", Buffer.from(`offset:${offset}`).toString("base64url"));
    return `${origin}${path}?${next.toString()}`;
}
