// The configuration keys the clients read: the azuread provider's (so the program and
// the providers sign in as the same identity it uses) and this project's own namespace.

export const NAMESPACE = "d365-backup-access";

/** Every configuration key the clients read; the providers copy exactly these in configure(). */
export const CONFIG_KEYS: readonly string[] = [
    "azuread:tenantId",
    "azuread:clientId",
    "azuread:clientSecret",
    "azuread:clientCertificate",
    "azuread:clientCertificatePath",
    "azuread:clientCertificatePassword",
    "azuread:useOidc",
    "azuread:oidcToken",
    "azuread:oidcTokenFilePath",
    "azuread:oidcRequestToken",
    "azuread:oidcRequestUrl",
    "azuread:useMsi",
    "azuread:useCli",
    "azuread:environment",
    "azuread:metadataHost",
    `${NAMESPACE}:cloud`,
    `${NAMESPACE}:endpoints`,
    `${NAMESPACE}:requestTimeoutSeconds`,
    `${NAMESPACE}:maxConcurrentRequestsPerHost`,
    `${NAMESPACE}:userSyncTimeoutSeconds`,
    `${NAMESPACE}:licenseWaitTimeoutSeconds`,
    `${NAMESPACE}:operatorAccessTimeoutSeconds`,
    `${NAMESPACE}:pollIntervalSeconds`,
    `${NAMESPACE}:addOperatorAppUser`,
    `${NAMESPACE}:customEndpoints`,
];

/**
 * The keys among CONFIG_KEYS whose values are credentials: set them with
 * `pulumi config set --secret` (the policy pack refuses a stack that holds one in
 * plain text). The same keys the reader below reads as secret.
 */
export const SECRET_CONFIG_KEYS: readonly string[] = [
    "azuread:clientSecret",
    "azuread:clientCertificate",
    "azuread:clientCertificatePassword",
    "azuread:oidcToken",
    "azuread:oidcRequestToken",
];
