// Who signs in, first that applies, in the azuread provider's order: client
// certificate, client secret, workload identity (OIDC, when useOidc), managed identity
// (when useMsi), Azure CLI (unless useCli is false). Credentials come from the azuread
// provider's keys (`azuread:clientId`, ...) or the same ARM_* variables it reads.

import { showUrl } from "../endpoint-policy";
import { DOMAIN_NAME_PATTERN, GUID_PATTERN } from "../ids";
import { Reader, sourceName } from "./reader";
import { CredentialSettings } from "./types";

const TENANT_SOURCE = sourceName("azuread:tenantId", ["ARM_TENANT_ID"]);
const CLIENT_SOURCE = sourceName("azuread:clientId", ["ARM_CLIENT_ID"]);

export function resolveCredential(read: Reader): CredentialSettings {
    const problems = read.problems;
    const tenantId = read.text("azuread:tenantId", ["ARM_TENANT_ID"]);
    const clientId = read.text("azuread:clientId", ["ARM_CLIENT_ID"]);
    const clientSecret = read.text("azuread:clientSecret", ["ARM_CLIENT_SECRET"], true);
    const certificateBase64 = read.text("azuread:clientCertificate", ["ARM_CLIENT_CERTIFICATE"], true);
    const certificatePath = read.text("azuread:clientCertificatePath", ["ARM_CLIENT_CERTIFICATE_PATH"]);
    const certificatePassword = read.text("azuread:clientCertificatePassword", ["ARM_CLIENT_CERTIFICATE_PASSWORD"], true);
    const useOidc = read.flag("azuread:useOidc", ["ARM_USE_OIDC"], false);
    const useMsi = read.flag("azuread:useMsi", ["ARM_USE_MSI"], false);
    const useCli = read.flag("azuread:useCli", ["ARM_USE_CLI"], true);

    if (tenantId !== undefined && !GUID_PATTERN.test(tenantId) && !DOMAIN_NAME_PATTERN.test(tenantId)) {
        problems.push(`${TENANT_SOURCE}: ${JSON.stringify(tenantId)} is not a tenant id; expected a GUID or a domain such as contoso.onmicrosoft.com.`);
    }
    if (clientId !== undefined && !GUID_PATTERN.test(clientId)) {
        problems.push(`${CLIENT_SOURCE}: ${JSON.stringify(clientId)} is not an application (client) id; expected a GUID.`);
    }

    function requireApplication(method: string): { tenantId: string; clientId: string } {
        const missing = [tenantId ? undefined : TENANT_SOURCE, clientId ? undefined : CLIENT_SOURCE].filter(Boolean);
        if (missing.length) problems.push(`Signing in with ${method} needs ${missing.join(" and ")} to be set.`);
        return { tenantId: tenantId ?? "", clientId: clientId ?? "" };
    }

    if (certificateBase64 !== undefined || certificatePath !== undefined) {
        if (certificateBase64 !== undefined && certificatePath !== undefined) {
            problems.push(
                `Both ${sourceName("azuread:clientCertificate", ["ARM_CLIENT_CERTIFICATE"])} and ` +
                    `${sourceName("azuread:clientCertificatePath", ["ARM_CLIENT_CERTIFICATE_PATH"])} are set; set one.`,
            );
        }
        return {
            method: "clientCertificate",
            ...requireApplication("a client certificate"),
            certificateBase64,
            certificatePath,
            certificatePassword,
        };
    }
    if (clientSecret !== undefined) {
        return { method: "clientSecret", ...requireApplication("a client secret"), clientSecret };
    }
    if (useOidc) {
        const token = read.text("azuread:oidcToken", ["ARM_OIDC_TOKEN"], true);
        const tokenFilePath = read.text("azuread:oidcTokenFilePath", ["ARM_OIDC_TOKEN_FILE_PATH"]);
        const request = token || tokenFilePath ? {} : readOidcRequest(read);
        const { requestToken, requestUrl } = request;
        if (!token && !tokenFilePath && !(requestToken && requestUrl) && !request.refused) {
            problems.push(
                `azuread:useOidc is true but no federated token is available; set ${sourceName("azuread:oidcToken", ["ARM_OIDC_TOKEN"])}, ` +
                    `${sourceName("azuread:oidcTokenFilePath", ["ARM_OIDC_TOKEN_FILE_PATH"])}, or run in GitHub Actions with ` +
                    `"id-token: write" permission (ARM_OIDC_REQUEST_URL and ARM_OIDC_REQUEST_TOKEN).`,
            );
        }
        return { method: "oidc", ...requireApplication("workload identity (OIDC)"), token, tokenFilePath, requestToken, requestUrl };
    }
    if (useMsi) {
        return { method: "managedIdentity", tenantId, clientId };
    }
    if (useCli) {
        return { method: "azureCli", tenantId, fallback: true };
    }
    problems.push(`No sign-in method is configured and azuread:useCli is false. ${missingCredentialsHelp()}`);
    return { method: "azureCli", tenantId, fallback: true };
}

/** Where a federated-token request URL and its token may come from: always both from one place. */
const OIDC_REQUEST_PAIRS = [
    { url: "azuread:oidcRequestUrl", token: "azuread:oidcRequestToken", configKeys: true },
    { url: "ARM_OIDC_REQUEST_URL", token: "ARM_OIDC_REQUEST_TOKEN", configKeys: false },
    { url: "ACTIONS_ID_TOKEN_REQUEST_URL", token: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", configKeys: false },
] as const;

/**
 * The request URL and token for a workload identity token, from the first place that
 * sets either: the azuread keys, then ARM_OIDC_REQUEST_*, then GitHub's
 * ACTIONS_ID_TOKEN_REQUEST_*. Never a URL from one place with the token of another:
 * a configured URL must not receive GitHub's request token. https only.
 */
function readOidcRequest(read: Reader): { requestUrl?: string; requestToken?: string; refused?: boolean } {
    for (const pair of OIDC_REQUEST_PAIRS) {
        const url = pair.configKeys ? read.text(pair.url) : read.text(undefined, [pair.url]);
        const token = pair.configKeys ? read.text(pair.token, [], true) : read.text(undefined, [pair.token], true);
        if (url === undefined && token === undefined) continue;
        if (url === undefined || token === undefined) {
            read.problems.push(
                `${url === undefined ? pair.token : pair.url} is set but ${url === undefined ? pair.url : pair.token} is not; ` +
                    `a federated-token request URL and its token must come from the same place (${pair.url} with ${pair.token}), ` +
                    `never one from the stack and the other from the CI system. Set both, or neither.`,
            );
            return { refused: true };
        }
        if (!isHttpsUrl(url)) {
            read.problems.push(`${pair.url}: ${showUrl(url)} is not an https URL; the request token is sent to it, so only https is accepted.`);
            return { refused: true };
        }
        return { requestUrl: url, requestToken: token };
    }
    return {};
}

function isHttpsUrl(value: string): boolean {
    try {
        const url = new URL(value);
        return url.protocol === "https:" && !url.username && !url.password;
    } catch {
        return false;
    }
}

/** What to set when no credentials are configured; shared with the sign-in error. */
export function missingCredentialsHelp(): string {
    return (
        `Set one of: azuread:clientId + azuread:clientSecret + azuread:tenantId ` +
        `(or ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID); azuread:clientCertificatePath (or ARM_CLIENT_CERTIFICATE_PATH) ` +
        `with the client and tenant ids; azuread:useOidc true (or ARM_USE_OIDC=true) with ARM_OIDC_TOKEN or ARM_OIDC_TOKEN_FILE_PATH; ` +
        `azuread:useMsi true (or ARM_USE_MSI=true) on an Azure host with a managed identity; or sign in with \`az login\`.`
    );
}

/** A one-line description of the sign-in method for messages; never includes a secret. */
export function describeCredential(credential: CredentialSettings): string {
    switch (credential.method) {
        case "clientCertificate":
            return `client certificate of application ${credential.clientId} in tenant ${credential.tenantId}`;
        case "clientSecret":
            return `client secret of application ${credential.clientId} in tenant ${credential.tenantId}`;
        case "oidc":
            return `workload identity (OIDC) of application ${credential.clientId} in tenant ${credential.tenantId}`;
        case "managedIdentity":
            return credential.clientId ? `managed identity ${credential.clientId}` : "the host's managed identity";
        case "azureCli":
            return `Azure CLI sign-in${credential.tenantId ? ` (tenant ${credential.tenantId})` : ""}`;
    }
}
