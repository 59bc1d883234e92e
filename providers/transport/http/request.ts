// What a call to Graph, BAP or Dataverse says (ApiRequest), what comes back
// (ApiResponse), and how an error answer is seen by the request's own explanation
// (ApiAnswer, Explanation). The clients build these; client.ts sends them.

import { AccessErrorKind } from "../errors";

export type Service = "graph" | "bap" | "dataverse" | "metadata" | "login";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** An error answer, as the `explain` hook of a request sees it. */
export interface ApiAnswer {
    readonly status: number;
    /** The service's error code ("0x80040220", "userNotLicensed", "Authorization_RequestDenied"). */
    readonly code?: string;
    /** The service's error text. */
    readonly message: string;
}

export interface Explanation {
    readonly fix: string;
    readonly kind?: AccessErrorKind;
    /** Replaces the default "… failed" sentence. */
    readonly what?: string;
    /** For an environment-unavailable refusal: why the environment cannot be served (a SkipReasonCode). */
    readonly reasonCode?: string;
}

export interface ApiRequest {
    readonly service: Service;
    readonly method: HttpMethod;
    readonly url: string;
    /** Token audience; omit for unauthenticated calls. */
    readonly audience?: string;
    readonly body?: unknown;
    readonly headers?: Readonly<Record<string, string>>;
    /** What the call does, for messages, e.g. "BAP addUser". */
    readonly call: string;
    readonly environmentId?: string;
    /** Error statuses handed back to the caller instead of raised, e.g. 404 for "not there". */
    readonly expect?: readonly number[];
    /** Names the fix for an error answer; generic advice per status applies otherwise. */
    readonly explain?: (answer: ApiAnswer) => Explanation | undefined;
}

export interface ApiResponse<T = any> {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: T;
}

export interface HttpClient {
    send<T = any>(request: ApiRequest): Promise<ApiResponse<T>>;
}

/** The setting that chose a host ("AZURE_AUTHORITY_HOST"), named when the host cannot be reached. */
export type HostDescriber = (host: string, service: Service) => string | undefined;
