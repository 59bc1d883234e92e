// The shapes of the clients' settings: what stack configuration and environment
// variables come in as, and the ClientSettings every client context is built from
// (resolve.ts makes them).

import { CloudName, EndpointKey, Endpoints } from "../clouds";

/** Stack configuration with full keys ("azuread:clientId"): a plain map or anything with get(key). */
export type ConfigSource = Readonly<Record<string, unknown>> | { get(key: string): unknown };

export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

export type CredentialSettings =
    | {
          readonly method: "clientCertificate";
          readonly tenantId: string;
          readonly clientId: string;
          /** A file (PEM or PKCS#12) or base64 file contents, as the azuread provider takes them. */
          readonly certificatePath?: string;
          readonly certificateBase64?: string;
          readonly certificatePassword?: string;
      }
    | { readonly method: "clientSecret"; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
    | {
          readonly method: "oidc";
          readonly tenantId: string;
          readonly clientId: string;
          readonly token?: string;
          readonly tokenFilePath?: string;
          readonly requestUrl?: string;
          readonly requestToken?: string;
      }
    | { readonly method: "managedIdentity"; readonly tenantId?: string; readonly clientId?: string }
    | {
          readonly method: "azureCli";
          readonly tenantId?: string;
          /** True when nothing else was configured, so a failure should list what could be set. */
          readonly fallback: boolean;
      };

export interface EndpointSettings extends Endpoints {
    /** azuread metadata host; the endpoints it names are checked, and used for login and Graph when those were not set. */
    readonly metadataHost?: string;
    readonly loginExplicit: boolean;
    readonly graphExplicit: boolean;
    /** The setting that chose each endpoint ("AZURE_AUTHORITY_HOST", "d365-backup-access:endpoints.bap", "the public cloud"). */
    readonly sources: Readonly<Record<EndpointKey, string>> & { readonly metadata?: string };
    /** Custom endpoints opted in: hosts outside the cloud are allowed, and every run names them. */
    readonly custom: boolean;
}

export interface HttpSettings {
    /** Overall bound on one API call, retries included. */
    readonly requestDeadlineMs: number;
    /** Bound on one attempt. */
    readonly attemptTimeoutMs: number;
    readonly maxAttempts: number;
    /** First backoff step when the service gives no Retry-After; doubles per attempt. */
    readonly retryBaseDelayMs: number;
    readonly retryMaxDelayMs: number;
    readonly maxConcurrentRequestsPerHost: number;
    /** D365BA_READ_ONLY: only GET requests are sent; anything else fails before it leaves. */
    readonly readOnly: boolean;
}

export interface WaitSettings {
    /** Bound on waiting for the account's Dataverse user (and the operator's application user) to appear. */
    readonly userSyncTimeoutMs: number;
    /** Bound on addUser refusals while a licence or a group membership propagates. */
    readonly licenseWaitTimeoutMs: number;
    /** Bound on waiting, after addAppUser, for an environment's Dataverse to accept the operator. */
    readonly operatorAccessTimeoutMs: number;
    /** First polling interval; grows by half each round up to pollMaxIntervalMs. */
    readonly pollIntervalMs: number;
    readonly pollMaxIntervalMs: number;
}

export interface ClientSettings {
    readonly cloud: CloudName;
    readonly endpoints: EndpointSettings;
    readonly credential: CredentialSettings;
    readonly http: HttpSettings;
    readonly waits: WaitSettings;
    /** Make a service-principal operator an application user of an environment whose Dataverse refuses it. */
    readonly addOperatorAppUser: boolean;
    /**
     * Set for a delete's context (destroy, an environment removed from the list): writes
     * go out, but the operator is never made an application user, whatever
     * addOperatorAppUser says — giving access back must not grant the operator any.
     */
    readonly removalOnly?: boolean;
}
