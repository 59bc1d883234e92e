// Microsoft Graph calls with a bearer token (client credentials through
// @azure/identity, as the project's operators sign in) and the real provider's error
// wording: "unexpected status 400 (400 Bad Request) with error: <code>: <message>".

import { STATUS_CODES } from "http";

import { CloudEndpoints } from "./cloud";
import { ProviderSettings } from "./config";
import { HttpResponse, RetryPolicy, send } from "./http";

export interface GraphClient {
    readonly baseUrl: string;
    /** Sends a Graph request (path starts with /v1.0 or /beta); retried as http.ts says, any final answer returned. */
    request(method: "GET" | "POST" | "DELETE", path: string, body: unknown, deadline: number): Promise<HttpResponse>;
}

export class GraphError extends Error {
    constructor(
        message: string,
        readonly status: number,
        readonly code?: string,
    ) {
        super(message);
        this.name = "GraphError";
    }
}

/** The error for an answer the caller did not expect. */
export function unexpected(response: HttpResponse): GraphError {
    const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const reason = `${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim();
    const detail = error
        ? `${error.code ?? "UnknownError"}: ${error.message ?? ""}`
        : typeof response.body === "string"
          ? response.body.slice(0, 300)
          : JSON.stringify(response.body ?? "").slice(0, 300);
    return new GraphError(`unexpected status ${response.status} (${reason}) with error: ${detail}`, response.status, error?.code);
}

export interface TokenCredential {
    getToken(scope: string): Promise<{ token: string } | null>;
}

export function signInCredential(settings: ProviderSettings, cloud: CloudEndpoints): TokenCredential {
    // Loaded here, not at the top: @azure/identity takes a moment to load and only a
    // configured provider needs it.
    const identity = require("@azure/identity");
    if (settings.method === "azureCli") return new identity.AzureCliCredential({ tenantId: settings.tenantId });
    return new identity.ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, {
        authorityHost: cloud.loginEndpoint,
        // Any authority but the public cloud's would fail MSAL's instance discovery.
        disableInstanceDiscovery: true,
    });
}

export const DEFAULT_RETRIES: Omit<RetryPolicy, "deadline"> = {
    maxAttempts: 10,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
    attemptTimeoutMs: 60_000,
};

export function createGraphClient(cloud: CloudEndpoints, credential: TokenCredential): GraphClient {
    return {
        baseUrl: cloud.graph,
        async request(method, path, body, deadline) {
            const token = await credential.getToken(cloud.graphScope);
            if (!token) throw new Error(`no token for ${cloud.graphScope}`);
            return send({ method, url: `${cloud.graph}${path}`, body, headers: { Authorization: `Bearer ${token.token}` } }, { ...DEFAULT_RETRIES, deadline });
        },
    };
}
