// Client settings from stack configuration and environment variables.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { CLOUDS } from "../../../providers/transport/clouds";
import { loadCertificatePem } from "../../../providers/transport/credentials";
import { isAccessError } from "../../../providers/transport/errors";
import { bapAudienceFor, customEndpointsWarning, isCloudDataverseHost, showUrl } from "../../../providers/transport/endpoint-policy";
import { configuredCustomHosts } from "../../../providers/transport/settings/endpoints";
import { CONFIG_KEYS } from "../../../providers/transport/settings/keys";
import { pickClientConfig } from "../../../providers/transport/settings/reader";
import { resolveClientSettings } from "../../../providers/transport/settings/resolve";
import { ClientSettings } from "../../../providers/transport/settings/types";

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
            const settings = resolveClientSettings({ "azuread:tenantId": TENANT, "azuread:clientId": CLIENT, "azuread:clientSecret": SECRET }, {});
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
            const settings = resolveClientSettings(
                { "azuread:useOidc": "true" },
                {
                    ARM_TENANT_ID: TENANT,
                    ARM_CLIENT_ID: CLIENT,
                    ARM_OIDC_TOKEN_FILE_PATH: "/var/run/token",
                },
            );
            assert.strictEqual(settings.credential.method, "oidc");
            assert.strictEqual((settings.credential as any).tokenFilePath, "/var/run/token");
        });

        it("takes the GitHub Actions token request variables for OIDC", () => {
            const settings = resolveClientSettings(
                {},
                {
                    ARM_USE_OIDC: "true",
                    ARM_TENANT_ID: TENANT,
                    ARM_CLIENT_ID: CLIENT,
                    ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x?y=1",
                    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req",
                },
            );
            assert.strictEqual((settings.credential as any).requestUrl, "https://token.actions.example/x?y=1");
        });

        describe("the federated-token request URL and its token", () => {
            const oidc = { ARM_USE_OIDC: "true", ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: CLIENT };

            it("come as a pair from one place: a configured URL never receives GitHub's request token", () => {
                const message = problemsOf(
                    { "azuread:oidcRequestUrl": "https://collector.example/token" },
                    { ...oidc, ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "github-request-token" },
                );
                assert.match(
                    message,
                    /azuread:oidcRequestUrl is set but azuread:oidcRequestToken is not; a federated-token request URL and its token must come from the same place/,
                );
                assert.doesNotMatch(message, /github-request-token/);
            });

            it("refuses a URL from the variables with the token from the stack", () => {
                const message = problemsOf({ "azuread:oidcRequestToken": "stack-token" }, { ...oidc, ARM_OIDC_REQUEST_URL: "https://collector.example/token" });
                assert.match(message, /azuread:oidcRequestToken is set but azuread:oidcRequestUrl is not/);
            });

            it("takes the configured pair when both are set", () => {
                const settings = resolveClientSettings(
                    { "azuread:oidcRequestUrl": "https://issuer.example/token", "azuread:oidcRequestToken": "stack-token" },
                    { ...oidc, ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "github" },
                );
                assert.deepStrictEqual(
                    [(settings.credential as any).requestUrl, (settings.credential as any).requestToken],
                    ["https://issuer.example/token", "stack-token"],
                );
            });

            it("refuses a plain-http request URL, shown without its query or user name", () => {
                const message = problemsOf(
                    { "azuread:oidcRequestUrl": "http://user:hunter2@collector.example/token?sig=SAS-SECRET", "azuread:oidcRequestToken": "stack-token" },
                    oidc,
                );
                assert.match(message, /azuread:oidcRequestUrl: "http:\/\/collector\.example\/token" is not an https URL/);
                assert.doesNotMatch(message, /hunter2|SAS-SECRET|user/);
            });
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
            assert.deepStrictEqual(endpoints.sources, { login: "the public cloud", graph: "the public cloud", bap: "the public cloud", metadata: undefined });
            assert.strictEqual(endpoints.custom, false);
        });

        for (const cloud of Object.keys(CLOUDS) as (keyof typeof CLOUDS)[]) {
            it(`has the ${cloud} cloud's hosts, and the BAP audience follows from the cloud`, () => {
                const settings = resolveClientSettings({ ...base, "d365-backup-access:cloud": cloud }, {});
                const { endpoints } = settings;
                assert.deepStrictEqual(
                    { login: endpoints.login, graph: endpoints.graph, bap: endpoints.bap },
                    {
                        login: CLOUDS[cloud].login,
                        graph: CLOUDS[cloud].graph,
                        bap: CLOUDS[cloud].bap,
                    },
                );
                assert.strictEqual(bapAudienceFor(cloud, endpoints.bap), CLOUDS[cloud].bapAudience);
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

        it("accepts the cloud's own hosts without opting in, and remembers which setting chose each", () => {
            const { endpoints } = resolveClientSettings(
                { ...base, "d365-backup-access:endpoints": { bap: "https://api.bap.microsoft.com/" } },
                { AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com", ARM_METADATA_HOSTNAME: "management.azure.com" },
            );
            assert.strictEqual(endpoints.bap, "https://api.bap.microsoft.com");
            assert.deepStrictEqual(endpoints.sources, {
                login: "AZURE_AUTHORITY_HOST",
                graph: "the public cloud",
                bap: "d365-backup-access:endpoints.bap",
                metadata: "ARM_METADATA_HOSTNAME",
            });
            assert.strictEqual(endpoints.metadataHost, "management.azure.com");
        });

        it("refuses a host outside the cloud without the opt-in, naming the key or variable and the way out", () => {
            const message = problemsOf(
                { ...base, "d365-backup-access:endpoints": { bap: "https://elsewhere.example" } },
                { AZURE_AUTHORITY_HOST: "https://127.0.0.1:4431", D365BA_GRAPH_URL: "https://graph.microsoft.us" },
            );
            assert.match(message, /3 problems/);
            assert.match(
                message,
                /d365-backup-access:endpoints\.bap: "https:\/\/elsewhere\.example" is not a host of the selected cloud \(the public cloud's bap endpoint is https:\/\/api\.bap\.microsoft\.com\)/,
            );
            assert.match(message, /AZURE_AUTHORITY_HOST: "https:\/\/127\.0\.0\.1:4431" is not a host of the selected cloud/);
            assert.match(message, /D365BA_GRAPH_URL: "https:\/\/graph\.microsoft\.us" is not a host of the selected cloud/);
            assert.match(message, /opt in to custom endpoints with d365-backup-access:customEndpoints: true \(or D365BA_CUSTOM_ENDPOINTS=true\)/);
        });

        it("accepts DoD's other Graph host, the one its ARM metadata names, and no other cloud's", () => {
            assert.strictEqual(
                resolveClientSettings({ ...base, "d365-backup-access:cloud": "dod" }, { D365BA_GRAPH_URL: "https://graph.microsoft.us" }).endpoints.graph,
                "https://graph.microsoft.us",
            );
            assert.match(
                problemsOf({ ...base, "d365-backup-access:cloud": "dod" }, { D365BA_GRAPH_URL: "https://graph.microsoft.com" }),
                /D365BA_GRAPH_URL: .* is not a host of the selected cloud/,
            );
        });

        it("refuses the cloud's host on another port", () => {
            assert.match(problemsOf(base, { D365BA_BAP_URL: "https://api.bap.microsoft.com:8443" }), /D365BA_BAP_URL: .* is not a host of the selected cloud/);
        });

        it("refuses a metadata host that is not the cloud's ARM host without the opt-in", () => {
            assert.match(
                problemsOf(base, { ARM_METADATA_HOSTNAME: "management.example.com" }),
                /ARM_METADATA_HOSTNAME: "management\.example\.com" is not a host of the selected cloud \(the public cloud's metadata host is management\.azure\.com\)/,
            );
            assert.match(
                problemsOf({ ...base, "d365-backup-access:cloud": "china", "azuread:metadataHost": "management.azure.com" }),
                /azuread:metadataHost: "management\.azure\.com" is not a host of the selected cloud \(the china cloud's metadata host is management\.chinacloudapi\.cn\)/,
            );
        });

        for (const [name, config, env] of [
            ["the stack key", { "d365-backup-access:customEndpoints": true }, {}],
            ["the stack key as text", { "d365-backup-access:customEndpoints": "true" }, {}],
            ["the variable", {}, { D365BA_CUSTOM_ENDPOINTS: "TRUE" }],
            ["the variable, with the key at Pulumi.yaml's default", { "d365-backup-access:customEndpoints": "false" }, { D365BA_CUSTOM_ENDPOINTS: "1" }],
        ] as const) {
            it(`accepts hosts outside the cloud with the opt-in (${name}) and lists them for the warning`, () => {
                const settings = resolveClientSettings(
                    { ...base, ...config },
                    {
                        ...env,
                        AZURE_AUTHORITY_HOST: "https://127.0.0.1:4431/",
                        D365BA_GRAPH_URL: "https://127.0.0.1:4432",
                        D365BA_BAP_URL: "https://127.0.0.1:4433/",
                        ARM_METADATA_HOSTNAME: "127.0.0.1:4431",
                    },
                );
                assert.strictEqual(settings.endpoints.custom, true);
                assert.strictEqual(settings.endpoints.login, "https://127.0.0.1:4431");
                assert.strictEqual(settings.endpoints.bap, "https://127.0.0.1:4433");
                const hosts = configuredCustomHosts(settings);
                assert.deepStrictEqual(hosts, [
                    { host: "127.0.0.1:4431", from: "AZURE_AUTHORITY_HOST" },
                    { host: "127.0.0.1:4432", from: "D365BA_GRAPH_URL" },
                    { host: "127.0.0.1:4433", from: "D365BA_BAP_URL" },
                    { host: "127.0.0.1:4431", from: "ARM_METADATA_HOSTNAME" },
                ]);
                const warning = customEndpointsWarning(settings.cloud, hosts);
                assert.match(
                    warning,
                    /^Custom endpoints are on \(d365-backup-access:customEndpoints or D365BA_CUSTOM_ENDPOINTS\): tokens and credentials go to /,
                );
                assert.match(
                    warning,
                    /127\.0\.0\.1:4431 \(from AZURE_AUTHORITY_HOST\), 127\.0\.0\.1:4432 \(from D365BA_GRAPH_URL\), 127\.0\.0\.1:4433 \(from D365BA_BAP_URL\)/,
                );
                assert.match(warning, /are not hosts of the public cloud/);
            });
        }

        it("gives a custom BAP host's tokens that host's own origin as audience", () => {
            assert.strictEqual(bapAudienceFor("public", "https://127.0.0.1:4433"), "https://127.0.0.1:4433");
            assert.strictEqual(bapAudienceFor("public", "https://bap.contoso.example/base"), "https://bap.contoso.example");
        });

        it("refuses bapAudience, from the stack or the environment: the audience follows from the cloud or the host", () => {
            const message = problemsOf(
                { ...base, "d365-backup-access:endpoints": JSON.stringify({ bapAudience: "https://graph.microsoft.com" }) },
                { D365BA_BAP_AUDIENCE: "https://graph.microsoft.com" },
            );
            assert.match(
                message,
                /d365-backup-access:endpoints\.bapAudience is no longer a setting: the BAP token's audience follows from the cloud \(d365-backup-access:cloud\), or for a custom BAP host from that host itself/,
            );
            assert.match(message, /D365BA_BAP_AUDIENCE is no longer a setting/);
        });

        it("refuses plain http everywhere, loopback included, and never shows a query, fragment or user name", () => {
            const message = problemsOf(
                {
                    ...base,
                    "d365-backup-access:customEndpoints": "true",
                    "d365-backup-access:endpoints": {
                        bap: "http://127.0.0.1:4433",
                        graph: "https://g.example/?sig=SAS-SECRET#frag",
                        login: "https://admin:hunter2@login.example",
                        portal: "https://p",
                    },
                },
                { D365BA_BAP_URL: "http://localhost:4433", AZURE_AUTHORITY_HOST: "not a url?token=SAS-SECRET" },
            );
            assert.match(message, /d365-backup-access:endpoints\.bap: "http:\/\/127\.0\.0\.1:4433" is not a usable URL; expected an absolute https URL/);
            assert.match(message, /d365-backup-access:endpoints\.graph: "https:\/\/g\.example" is not a usable URL/);
            assert.match(message, /d365-backup-access:endpoints\.login: "https:\/\/login\.example" is not a usable URL/);
            assert.match(message, /unknown endpoint "portal"/);
            assert.doesNotMatch(message, /SAS-SECRET|hunter2|admin:|#frag/);
            assert.match(
                problemsOf(base, { D365BA_CUSTOM_ENDPOINTS: "1", D365BA_GRAPH_URL: "http://localhost:4432" }),
                /D365BA_GRAPH_URL: "http:\/\/localhost:4432" is not a usable URL/,
            );
        });

        it("shows a refused value that is not a URL without what follows ? or # and without user-info", () => {
            assert.strictEqual(showUrl("not a url?token=SAS-SECRET"), JSON.stringify("not a url"));
            assert.strictEqual(showUrl("user:pw@host.example/path#x"), JSON.stringify("host.example/path"));
        });

        it("names a refused value that is not text by its kind only, never its content", () => {
            assert.strictEqual(showUrl(4433), "a number");
            assert.strictEqual(showUrl({ url: "https://g.example/?sig=SAS-SECRET" }), "an object");
            assert.strictEqual(showUrl(["https://g.example/?sig=SAS-SECRET"]), "an array");
            assert.strictEqual(showUrl(true), "a boolean");
            assert.strictEqual(showUrl(null), "null");
            const message = problemsOf({
                ...base,
                "d365-backup-access:customEndpoints": "true",
                "d365-backup-access:endpoints": { graph: { url: "https://g.example/?sig=SAS-SECRET" }, bap: 4433 },
            });
            assert.match(message, /d365-backup-access:endpoints\.graph: an object is not a usable URL/);
            assert.match(message, /d365-backup-access:endpoints\.bap: a number is not a usable URL/);
            assert.doesNotMatch(message, /SAS-SECRET|4433/);
        });

        it("knows each cloud's Dataverse hosts", () => {
            assert.ok(isCloudDataverseHost("public", "https://contoso.crm4.dynamics.com/"));
            assert.ok(isCloudDataverseHost("usgov", "https://contoso.crm9.dynamics.com/"));
            assert.ok(isCloudDataverseHost("usgovhigh", "https://contoso.crm.microsoftdynamics.us/"));
            assert.ok(isCloudDataverseHost("dod", "https://contoso.crm.appsplatform.us/"));
            assert.ok(isCloudDataverseHost("china", "https://contoso.crm.dynamics.cn/"));
            for (const [cloud, url] of [
                ["public", "https://contoso.crm.dynamics.com.evil.example/"],
                ["public", "https://dynamics.com/"],
                ["public", "http://contoso.crm.dynamics.com/"],
                ["public", "https://contoso.crm.dynamics.com:8443/"],
                ["public", "https://127.0.0.1:4440/"],
                ["usgovhigh", "https://contoso.crm.dynamics.com/"],
            ] as const) {
                assert.ok(!isCloudDataverseHost(cloud, url), `${cloud} ${url}`);
            }
        });
    });

    describe("waits and limits", () => {
        /** The waits and limits the keys set, in one object, so a test states them all at once. */
        const waitsAndLimits = (settings: ClientSettings) => ({
            userSyncTimeoutMs: settings.waits.userSyncTimeoutMs,
            licenseWaitTimeoutMs: settings.waits.licenseWaitTimeoutMs,
            pollIntervalMs: settings.waits.pollIntervalMs,
            requestDeadlineMs: settings.http.requestDeadlineMs,
            maxConcurrentRequestsPerHost: settings.http.maxConcurrentRequestsPerHost,
            addOperatorAppUser: settings.addOperatorAppUser,
        });

        it("has defaults", () => {
            assert.deepStrictEqual(waitsAndLimits(resolveClientSettings({}, {})), {
                userSyncTimeoutMs: 600_000,
                licenseWaitTimeoutMs: 600_000,
                pollIntervalMs: 500,
                requestDeadlineMs: 300_000,
                maxConcurrentRequestsPerHost: 8,
                addOperatorAppUser: true,
            });
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
            assert.deepStrictEqual(waitsAndLimits(settings), {
                userSyncTimeoutMs: 1_500,
                licenseWaitTimeoutMs: 2_000,
                pollIntervalMs: 20,
                requestDeadlineMs: 30_000,
                maxConcurrentRequestsPerHost: 52,
                addOperatorAppUser: false,
            });
            assert.strictEqual(settings.waits.pollMaxIntervalMs, 300);
        });

        it("D365BA_READ_ONLY makes a read-only run that never adds the operator, whatever the stack says", () => {
            assert.strictEqual(resolveClientSettings({}, {}).http.readOnly, false);
            for (const value of ["true", "1", "TRUE"]) {
                const settings = resolveClientSettings({ "d365-backup-access:addOperatorAppUser": "true" }, { D365BA_READ_ONLY: value });
                assert.deepStrictEqual([settings.http.readOnly, settings.addOperatorAppUser], [true, false], value);
            }
            assert.strictEqual(resolveClientSettings({}, { D365BA_READ_ONLY: "false" }).http.readOnly, false);
            assert.strictEqual(resolveClientSettings({}, { D365BA_READ_ONLY: "0" }).http.readOnly, false);
        });

        it("refuses a boolean variable or key that is neither true/false nor 1/0, naming it, instead of taking it for false", () => {
            for (const value of ["yes", "on", "enabled", "2"]) {
                assert.match(
                    problemsOf({}, { D365BA_READ_ONLY: value }),
                    new RegExp(`D365BA_READ_ONLY: "${value}" is not a boolean; expected true or false \\(or 1 or 0\\)`),
                );
            }
            assert.match(problemsOf({}, { D365BA_CUSTOM_ENDPOINTS: "yes" }), /D365BA_CUSTOM_ENDPOINTS: "yes" is not a boolean/);
            assert.match(problemsOf({}, { ARM_USE_MSI: "Y" }), /azuread:useMsi: "Y"|ARM_USE_MSI: "Y" is not a boolean/);
            assert.match(problemsOf({ "d365-backup-access:customEndpoints": "maybe" }), /d365-backup-access:customEndpoints: "maybe" is not a boolean/);
        });

        it("bounds the wait for Dataverse to accept the operator on its own key: two minutes unless set, validated like the others", () => {
            assert.strictEqual(resolveClientSettings({}, {}).waits.operatorAccessTimeoutMs, 120_000);
            assert.strictEqual(resolveClientSettings({ "d365-backup-access:operatorAccessTimeoutSeconds": "30" }, {}).waits.operatorAccessTimeoutMs, 30_000);
            assert.match(
                problemsOf({ "d365-backup-access:operatorAccessTimeoutSeconds": "soon" }),
                /d365-backup-access:operatorAccessTimeoutSeconds: "soon" is not a number of seconds/,
            );
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
