// Client settings from stack configuration and environment variables.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { CLOUDS } from "../../providers/clouds";
import { loadCertificatePem } from "../../providers/credentials";
import { isAccessError } from "../../providers/errors";
import { ClientSettings, CONFIG_KEYS, pickClientConfig, resolveClientSettings } from "../../providers/settings";

const TENANT = "11111111-1111-1111-1111-111111111111";
const CLIENT = "22222222-2222-2222-2222-222222222222";
const OTHER_CLIENT = "33333333-3333-3333-3333-333333333333";
const SECRET = "s3cr3t~value.from-config";

function problemsOf(config: Record<string, unknown>, env: Record<string, string> = {}): string {
    try {
        resolveClientSettings(config, env);
    } catch (error) {
        assert.ok(isAccessError(error, "configuration"), String(error));
        return (error as Error).message;
    }
    throw new Error("expected a configuration error");
}

describe("client settings", () => {
    describe("credentials", () => {
        it("reads the azuread provider's keys", () => {
            const settings = resolveClientSettings(
                { "azuread:tenantId": TENANT, "azuread:clientId": CLIENT, "azuread:clientSecret": SECRET },
                {},
            );
            assert.deepStrictEqual(settings.credential, { method: "clientSecret", tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
        });

        it("reads ARM_* variables", () => {
            const settings = resolveClientSettings({}, { ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: CLIENT, ARM_CLIENT_SECRET: "from-env" });
            assert.deepStrictEqual(settings.credential, { method: "clientSecret", tenantId: TENANT, clientId: CLIENT, clientSecret: "from-env" });
        });

        it("lets a configured key beat its variable", () => {
            const settings = resolveClientSettings(
                { "azuread:clientId": CLIENT, "azuread:clientSecret": SECRET },
                { ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: OTHER_CLIENT, ARM_CLIENT_SECRET: "from-env" },
            );
            assert.strictEqual(settings.credential.method, "clientSecret");
            assert.strictEqual((settings.credential as any).clientId, CLIENT);
            assert.strictEqual((settings.credential as any).clientSecret, SECRET);
        });

        it("reads values through a Config-like get()", () => {
            const values: Record<string, string> = { "azuread:tenantId": TENANT, "azuread:clientId": CLIENT, "azuread:clientSecret": SECRET };
            const settings = resolveClientSettings({ get: (key: string) => values[key] }, {});
            assert.strictEqual(settings.credential.method, "clientSecret");
        });

        it("prefers a client certificate over a secret, like the azuread provider", () => {
            const settings = resolveClientSettings(
                { "azuread:tenantId": TENANT, "azuread:clientId": CLIENT, "azuread:clientSecret": SECRET },
                { ARM_CLIENT_CERTIFICATE_PATH: "/certs/app.pem", ARM_CLIENT_CERTIFICATE_PASSWORD: "pw" },
            );
            assert.deepStrictEqual(settings.credential, {
                method: "clientCertificate",
                tenantId: TENANT,
                clientId: CLIENT,
                certificateBase64: undefined,
                certificatePath: "/certs/app.pem",
                certificatePassword: "pw",
            });
        });

        it("uses workload identity when useOidc is set", () => {
            const settings = resolveClientSettings({ "azuread:useOidc": "true" }, {
                ARM_TENANT_ID: TENANT,
                ARM_CLIENT_ID: CLIENT,
                ARM_OIDC_TOKEN_FILE_PATH: "/var/run/token",
            });
            assert.strictEqual(settings.credential.method, "oidc");
            assert.strictEqual((settings.credential as any).tokenFilePath, "/var/run/token");
        });

        it("takes the GitHub Actions token request variables for OIDC", () => {
            const settings = resolveClientSettings({}, {
                ARM_USE_OIDC: "true",
                ARM_TENANT_ID: TENANT,
                ARM_CLIENT_ID: CLIENT,
                ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x?y=1",
                ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req",
            });
            assert.strictEqual((settings.credential as any).requestUrl, "https://token.actions.example/x?y=1");
        });

        it("uses a managed identity when useMsi is set, with an optional client id", () => {
            assert.deepStrictEqual(resolveClientSettings({ "azuread:useMsi": true }, {}).credential, {
                method: "managedIdentity",
                tenantId: undefined,
                clientId: undefined,
            });
            assert.strictEqual((resolveClientSettings({}, { ARM_USE_MSI: "true", ARM_CLIENT_ID: CLIENT }).credential as any).clientId, CLIENT);
        });

        it("falls back to the Azure CLI when nothing else is configured", () => {
            assert.deepStrictEqual(resolveClientSettings({}, {}).credential, { method: "azureCli", tenantId: undefined, fallback: true });
        });

        it("names the keys to set when no method is possible", () => {
            const message = problemsOf({ "azuread:useCli": "false" });
            for (const key of ["azuread:clientSecret", "ARM_CLIENT_SECRET", "azuread:clientCertificatePath", "ARM_USE_OIDC", "azuread:useMsi", "az login"]) {
                assert.ok(message.includes(key), `names ${key}: ${message}`);
            }
        });

        it("names the missing tenant and client ids", () => {
            const message = problemsOf({ "azuread:clientSecret": SECRET });
            assert.match(message, /azuread:tenantId \(or ARM_TENANT_ID\) and azuread:clientId \(or ARM_CLIENT_ID\)/);
        });

        it("says OIDC needs a token", () => {
            assert.match(problemsOf({ "azuread:useOidc": true, "azuread:tenantId": TENANT, "azuread:clientId": CLIENT }), /no federated token/);
        });

        it("rejects malformed ids and booleans, naming key and value", () => {
            const message = problemsOf({ "azuread:tenantId": "not a tenant", "azuread:clientId": "abc", "azuread:useCli": "maybe" });
            assert.match(message, /azuread:tenantId \(or ARM_TENANT_ID\): "not a tenant" is not a tenant id/);
            assert.match(message, /azuread:clientId \(or ARM_CLIENT_ID\): "abc" is not an application \(client\) id; expected a GUID/);
            assert.match(message, /azuread:useCli: "maybe" is not a boolean/);
            assert.match(message, /has 3 problems/);
        });

        it("never repeats a secret in an error", () => {
            const message = problemsOf({ "azuread:clientSecret": SECRET, "azuread:clientId": "bad", "azuread:clientCertificatePassword": 42 });
            assert.ok(!message.includes(SECRET));
            assert.match(message, /azuread:clientCertificatePassword: a non-text value is not text/);
        });
    });

    describe("clouds and endpoints", () => {
        const base = { "azuread:useCli": "true" };

        it("uses the public cloud by default", () => {
            const { endpoints, cloud } = resolveClientSettings(base, {});
            assert.strictEqual(cloud, "public");
            assert.strictEqual(endpoints.login, "https://login.microsoftonline.com");
            assert.strictEqual(endpoints.graph, "https://graph.microsoft.com");
            assert.strictEqual(endpoints.bap, "https://api.bap.microsoft.com");
            assert.strictEqual(endpoints.bapAudience, "https://service.powerapps.com");
        });

        for (const cloud of Object.keys(CLOUDS) as (keyof typeof CLOUDS)[]) {
            it(`has the ${cloud} cloud's hosts`, () => {
                const { endpoints } = resolveClientSettings({ ...base, "d365-backup-access:cloud": cloud }, {});
                assert.deepStrictEqual(
                    { login: endpoints.login, graph: endpoints.graph, bap: endpoints.bap, bapAudience: endpoints.bapAudience },
                    CLOUDS[cloud],
                );
            });
        }

        it("derives the cloud from azuread:environment", () => {
            assert.strictEqual(resolveClientSettings({ ...base, "azuread:environment": "usgovernment" }, {}).cloud, "usgovhigh");
            assert.strictEqual(resolveClientSettings(base, { ARM_ENVIRONMENT: "china" }).cloud, "china");
        });

        it("rejects a cloud that contradicts azuread:environment", () => {
            assert.match(
                problemsOf({ ...base, "d365-backup-access:cloud": "china", "azuread:environment": "public" }),
                /d365-backup-access:cloud is china but azuread:environment \(or ARM_ENVIRONMENT\) is public/,
            );
        });

        it("accepts GCC (usgov) with the commercial Entra ID", () => {
            assert.strictEqual(resolveClientSettings({ ...base, "d365-backup-access:cloud": "usgov", "azuread:environment": "public" }, {}).cloud, "usgov");
        });

        it("takes endpoint overrides from variables", () => {
            const { endpoints } = resolveClientSettings(base, {
                AZURE_AUTHORITY_HOST: "https://127.0.0.1:4431/",
                D365BA_GRAPH_URL: "https://127.0.0.1:4432",
                D365BA_BAP_URL: "https://127.0.0.1:4433/",
            });
            assert.strictEqual(endpoints.login, "https://127.0.0.1:4431");
            assert.strictEqual(endpoints.graph, "https://127.0.0.1:4432");
            assert.strictEqual(endpoints.bap, "https://127.0.0.1:4433");
            assert.strictEqual(endpoints.bapAudience, "https://service.powerapps.com");
            assert.ok(endpoints.loginExplicit && endpoints.graphExplicit);
        });

        it("lets d365-backup-access:endpoints beat the variables", () => {
            const { endpoints } = resolveClientSettings(
                { ...base, "d365-backup-access:endpoints": JSON.stringify({ bap: "https://bap.contoso.example", bapAudience: "https://service.contoso.example" }) },
                { D365BA_BAP_URL: "https://127.0.0.1:4433" },
            );
            assert.strictEqual(endpoints.bap, "https://bap.contoso.example");
            assert.strictEqual(endpoints.bapAudience, "https://service.contoso.example");
        });

        it("rejects unusable endpoints: plain http off loopback, queries, unknown names", () => {
            const message = problemsOf(
                { ...base, "d365-backup-access:endpoints": { bap: "http://bap.example.com", graph: "https://g.example/?x=1", portal: "https://p" } },
                { AZURE_AUTHORITY_HOST: "not a url" },
            );
            assert.match(message, /d365-backup-access:endpoints\.bap: "http:\/\/bap\.example\.com" is not a usable URL/);
            assert.match(message, /d365-backup-access:endpoints\.graph: "https:\/\/g\.example\/\?x=1" is not a usable URL/);
            assert.match(message, /unknown endpoint "portal"/);
            assert.match(message, /AZURE_AUTHORITY_HOST: "not a url" is not a usable URL/);
        });

        it("keeps the azuread metadata host for login and Graph discovery", () => {
            const { endpoints } = resolveClientSettings(base, { ARM_METADATA_HOSTNAME: "management.example.com" });
            assert.strictEqual(endpoints.metadataHost, "management.example.com");
        });
    });

    describe("waits and limits", () => {
        it("has defaults", () => {
            const settings: ClientSettings = resolveClientSettings({}, {});
            assert.strictEqual(settings.waits.userSyncTimeoutMs, 600_000);
            assert.strictEqual(settings.waits.licenseWaitTimeoutMs, 600_000);
            assert.strictEqual(settings.waits.pollIntervalMs, 500);
            assert.strictEqual(settings.http.requestDeadlineMs, 300_000);
            assert.strictEqual(settings.http.maxConcurrentRequestsPerHost, 8);
            assert.strictEqual(settings.addOperatorAppUser, true);
        });

        it("reads the project's keys, numbers as text too", () => {
            const settings = resolveClientSettings(
                {
                    "d365-backup-access:userSyncTimeoutSeconds": "1.5",
                    "d365-backup-access:licenseWaitTimeoutSeconds": 2,
                    "d365-backup-access:pollIntervalSeconds": "0.02",
                    "d365-backup-access:requestTimeoutSeconds": "30",
                    "d365-backup-access:maxConcurrentRequestsPerHost": "52",
                    "d365-backup-access:addOperatorAppUser": "false",
                },
                {},
            );
            assert.strictEqual(settings.waits.userSyncTimeoutMs, 1_500);
            assert.strictEqual(settings.waits.licenseWaitTimeoutMs, 2_000);
            assert.strictEqual(settings.waits.pollIntervalMs, 20);
            assert.strictEqual(settings.waits.pollMaxIntervalMs, 300);
            assert.strictEqual(settings.http.requestDeadlineMs, 30_000);
            assert.strictEqual(settings.http.maxConcurrentRequestsPerHost, 52);
            assert.strictEqual(settings.addOperatorAppUser, false);
        });

        it("D365BA_READ_ONLY makes a read-only run that never adds the operator, whatever the stack says", () => {
            assert.strictEqual(resolveClientSettings({}, {}).http.readOnly, false);
            for (const value of ["true", "1", "TRUE"]) {
                const settings = resolveClientSettings({ "d365-backup-access:addOperatorAppUser": "true" }, { D365BA_READ_ONLY: value });
                assert.deepStrictEqual([settings.http.readOnly, settings.addOperatorAppUser], [true, false], value);
            }
            assert.strictEqual(resolveClientSettings({}, { D365BA_READ_ONLY: "false" }).http.readOnly, false);
        });

        it("bounds the wait for Dataverse to accept the operator on its own key: two minutes unless set, validated like the others", () => {
            assert.strictEqual(resolveClientSettings({}, {}).waits.operatorAccessTimeoutMs, 120_000);
            assert.strictEqual(resolveClientSettings({ "d365-backup-access:operatorAccessTimeoutSeconds": "30" }, {}).waits.operatorAccessTimeoutMs, 30_000);
            assert.match(problemsOf({ "d365-backup-access:operatorAccessTimeoutSeconds": "soon" }), /d365-backup-access:operatorAccessTimeoutSeconds: "soon" is not a number of seconds/);
            assert.ok(CONFIG_KEYS.includes("d365-backup-access:operatorAccessTimeoutSeconds"), "the providers receive it in configure()");
        });

        it("rejects out-of-range numbers, naming key and value", () => {
            const message = problemsOf({
                "d365-backup-access:userSyncTimeoutSeconds": "-1",
                "d365-backup-access:maxConcurrentRequestsPerHost": "53",
                "d365-backup-access:pollIntervalSeconds": "soon",
            });
            assert.match(message, /d365-backup-access:userSyncTimeoutSeconds: "-1" is not a number of seconds/);
            assert.match(message, /d365-backup-access:maxConcurrentRequestsPerHost: "53" is not a whole number from 1 to 52/);
            assert.match(message, /d365-backup-access:pollIntervalSeconds: "soon"/);
        });
    });

    it("picks exactly the keys the clients read", () => {
        const all: Record<string, string> = {
            "azuread:clientSecret": SECRET,
            "d365-backup-access:stage": "operational",
            "aws:region": "x",
            "d365-backup-access:userSyncTimeoutSeconds": "5",
        };
        assert.deepStrictEqual(pickClientConfig({ get: (key: string) => all[key] }), {
            "azuread:clientSecret": SECRET,
            "d365-backup-access:userSyncTimeoutSeconds": "5",
        });
        assert.ok(CONFIG_KEYS.every((key) => /^(azuread|d365-backup-access):/.test(key)));
    });

    describe("client certificates", () => {
        // node-forge makes a self-signed certificate in PEM and PKCS#12 form.
        const forge = require("node-forge");
        const keys = forge.pki.rsa.generateKeyPair(1024);
        const certificate = forge.pki.createCertificate();
        certificate.publicKey = keys.publicKey;
        certificate.serialNumber = "01";
        certificate.validity.notBefore = new Date();
        certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
        certificate.setSubject([{ name: "commonName", value: "operator" }]);
        certificate.setIssuer([{ name: "commonName", value: "operator" }]);
        certificate.sign(keys.privateKey);
        const certificatePem = forge.pki.certificateToPem(certificate);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "d365ba-cert-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const base = { method: "clientCertificate" as const, tenantId: TENANT, clientId: CLIENT };

        it("reads a PEM file", () => {
            const file = path.join(dir, "plain.pem");
            fs.writeFileSync(file, forge.pki.privateKeyToPem(keys.privateKey) + certificatePem);
            const pem = loadCertificatePem({ ...base, certificatePath: file });
            assert.match(pem, /BEGIN (RSA )?PRIVATE KEY/);
            assert.match(pem, /BEGIN CERTIFICATE/);
        });

        it("decrypts an encrypted PEM key with the password", () => {
            const file = path.join(dir, "encrypted.pem");
            fs.writeFileSync(file, forge.pki.encryptRsaPrivateKey(keys.privateKey, "pw") + certificatePem);
            const pem = loadCertificatePem({ ...base, certificatePath: file, certificatePassword: "pw" });
            assert.match(pem, /BEGIN PRIVATE KEY/);
            assert.doesNotMatch(pem, /ENCRYPTED/);
            assert.throws(() => loadCertificatePem({ ...base, certificatePath: file, certificatePassword: "wrong" }), /Cannot decrypt the private key/);
        });

        it("converts PKCS#12, from a file or base64, as the azuread provider takes it", () => {
            const p12 = forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(keys.privateKey, [certificate], "pw")).getBytes();
            const bytes = Buffer.from(p12, "binary");
            const file = path.join(dir, "app.pfx");
            fs.writeFileSync(file, bytes);
            for (const source of [{ certificatePath: file }, { certificateBase64: bytes.toString("base64") }]) {
                const pem = loadCertificatePem({ ...base, ...source, certificatePassword: "pw" });
                assert.match(pem, /BEGIN RSA PRIVATE KEY/);
                assert.match(pem, /BEGIN CERTIFICATE/);
            }
            assert.throws(() => loadCertificatePem({ ...base, certificatePath: file, certificatePassword: "nope" }), /Cannot read the PKCS#12 certificate/);
        });

        it("names the key when the file cannot be read", () => {
            assert.throws(
                () => loadCertificatePem({ ...base, certificatePath: path.join(dir, "missing.pem") }),
                /azuread:clientCertificatePath \(or ARM_CLIENT_CERTIFICATE_PATH\)/,
            );
        });
    });
});
