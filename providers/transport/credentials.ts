// Turns credential settings into an @azure/identity credential.
//
// @azure/identity is required inside the function, not imported at the top: this code
// also runs inside serialized dynamic providers, where a module captured at the top
// level would be copied by value instead of loaded.
//
// Against any authority but the public cloud's, instance discovery is turned off:
// otherwise MSAL asks login.microsoftonline.com whether the authority is valid, which
// fails for sovereign clouds behind firewalls and for the local tenant emulator.

import { PUBLIC_AUTHORITY_HOST } from "./clouds";
import { accessError, messageOf } from "./errors";
import { CredentialSettings } from "./settings/types";

/** The part of @azure/identity's TokenCredential the clients use. */
export interface TokenCredentialLike {
    getToken(
        scopes: string | string[],
        options?: { abortSignal?: AbortSignal },
    ): Promise<{ token: string; expiresOnTimestamp: number; refreshAfterTimestamp?: number } | null>;
}

/** The audience GitHub Actions and Entra ID agree on for federated credentials. */
const FEDERATION_AUDIENCE = "api://AzureADTokenExchange";

export function createCredential(settings: CredentialSettings, authorityHost: string): TokenCredentialLike {
    const identity = require("@azure/identity");
    const options = {
        authorityHost,
        disableInstanceDiscovery: authorityHost.replace(/\/+$/, "") !== PUBLIC_AUTHORITY_HOST,
    };
    switch (settings.method) {
        case "clientSecret":
            return new identity.ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, options);
        case "clientCertificate":
            return new identity.ClientCertificateCredential(settings.tenantId, settings.clientId, { certificate: loadCertificatePem(settings) }, options);
        case "oidc":
            return new identity.ClientAssertionCredential(settings.tenantId, settings.clientId, () => federatedToken(settings), options);
        case "managedIdentity":
            return settings.clientId ? new identity.ManagedIdentityCredential({ clientId: settings.clientId }) : new identity.ManagedIdentityCredential();
        case "azureCli":
            return new identity.AzureCliCredential(settings.tenantId ? { tenantId: settings.tenantId } : {});
    }
}

type CertificateSettings = Extract<CredentialSettings, { method: "clientCertificate" }>;

/**
 * The certificate as one PEM text (private key + certificates). The azuread provider
 * takes PKCS#12 (.pfx) files; @azure/identity takes only PEM, so PKCS#12 is converted
 * with node-forge when it is installed.
 */
export function loadCertificatePem(settings: CertificateSettings): string {
    const source = settings.certificatePath
        ? "azuread:clientCertificatePath (or ARM_CLIENT_CERTIFICATE_PATH)"
        : "azuread:clientCertificate (or ARM_CLIENT_CERTIFICATE)";
    let bytes: Buffer;
    try {
        bytes = settings.certificatePath ? require("fs").readFileSync(settings.certificatePath) : Buffer.from(settings.certificateBase64 ?? "", "base64");
    } catch (error) {
        throw accessError("configuration", {
            what: `Cannot read the client certificate named by ${source}: ${messageOf(error)}`,
            fix: "point it at a readable PEM or PKCS#12 (.pfx) file.",
        });
    }
    const text = bytes.toString("utf8");
    if (text.includes("-----BEGIN")) {
        if (!settings.certificatePassword) return text;
        // An encrypted private key: decrypt here so MSAL gets a plain PEM.
        return decryptPemKey(text, settings.certificatePassword, source);
    }
    return pkcs12ToPem(bytes, settings.certificatePassword ?? "", source);
}

function decryptPemKey(pem: string, password: string, source: string): string {
    const crypto = require("crypto");
    const keyMatch = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/);
    if (!keyMatch) return pem;
    try {
        const key = crypto.createPrivateKey({ key: keyMatch[0], passphrase: password });
        return pem.replace(keyMatch[0], key.export({ format: "pem", type: "pkcs8" }).toString().trim());
    } catch (error) {
        throw accessError("configuration", {
            what: `Cannot decrypt the private key in the certificate named by ${source}: ${messageOf(error)}`,
            fix: "check azuread:clientCertificatePassword (or ARM_CLIENT_CERTIFICATE_PASSWORD).",
        });
    }
}

function pkcs12ToPem(bytes: Buffer, password: string, source: string): string {
    let forge: any;
    try {
        forge = require("node-forge");
    } catch {
        throw accessError("configuration", {
            what: `The certificate named by ${source} is PKCS#12 (.pfx), which needs the node-forge package to read, and it is not installed`,
            fix:
                "install node-forge next to the program (npm install node-forge), or convert the certificate to PEM with " +
                "`openssl pkcs12 -in cert.pfx -out cert.pem -nodes` and use that file.",
        });
    }
    try {
        const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary")));
        const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
        const oids = forge.pki.oids;
        const keyBags = [
            ...(p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag })[oids.pkcs8ShroudedKeyBag] ?? []),
            ...(p12.getBags({ bagType: oids.keyBag })[oids.keyBag] ?? []),
        ];
        const certBags = p12.getBags({ bagType: oids.certBag })[oids.certBag] ?? [];
        if (!keyBags.length || !certBags.length) throw new Error("it holds no private key or no certificate");
        return [forge.pki.privateKeyToPem(keyBags[0].key), ...certBags.map((bag: any) => forge.pki.certificateToPem(bag.cert))].join("\n");
    } catch (error) {
        throw accessError("configuration", {
            what: `Cannot read the PKCS#12 certificate named by ${source}: ${messageOf(error)}`,
            fix: "check the file and azuread:clientCertificatePassword (or ARM_CLIENT_CERTIFICATE_PASSWORD).",
        });
    }
}

type OidcSettings = Extract<CredentialSettings, { method: "oidc" }>;

/**
 * The federated token to exchange. Read anew for every sign-in: token files are
 * rotated (Kubernetes workload identity), and CI tokens expire within minutes.
 */
async function federatedToken(settings: OidcSettings): Promise<string> {
    if (settings.token) return settings.token;
    if (settings.tokenFilePath) {
        return (await require("fs").promises.readFile(settings.tokenFilePath, "utf8")).trim();
    }
    const axios = require("axios");
    const separator = settings.requestUrl!.includes("?") ? "&" : "?";
    const response = await axios.get(`${settings.requestUrl}${separator}audience=${encodeURIComponent(FEDERATION_AUDIENCE)}`, {
        headers: { Authorization: `Bearer ${settings.requestToken}`, Accept: "application/json" },
        timeout: 30_000,
        validateStatus: () => true,
        // The request carries the CI system's request token: it goes to the configured URL
        // and nowhere else. A redirect is answered as a failure (not followed to a host no
        // one checked), and HTTPS_PROXY/HTTP_PROXY are not honoured (a proxy would see the
        // token), as for every other request of the program (http/client.ts).
        maxRedirects: 0,
        proxy: false,
    });
    if (response.status !== 200 || typeof response.data?.value !== "string") {
        throw accessError("credential", {
            what: `Requesting the workload identity token from the CI system failed with HTTP ${response.status}`,
            fix: 'give the CI job permission to request ID tokens (GitHub Actions: "permissions: id-token: write").',
        });
    }
    return response.data.value;
}
