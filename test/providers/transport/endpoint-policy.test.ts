// Where tokens go: only to the cloud's hosts (Dataverse instances included), unless
// custom endpoints are opted in; then every host is named, and a custom BAP host gets
// tokens for its own origin. Against the emulator where a tenant is needed.

import * as assert from "assert";

import { listEnvironments } from "../../../providers/clients/bap";
import { checkOperatorSignIn, clientContextFromConfig, ClientContext, createClientContext, customEndpointsNotice } from "../../../providers/transport/context";
import { TokenCredentialLike } from "../../../providers/transport/credentials";
import { isAccessError } from "../../../providers/transport/errors";
import { HttpClient } from "../../../providers/transport/http/request";
import { resolveClientSettings } from "../../../providers/transport/settings/resolve";
import { baseSeed, OPERATOR, TENANT_ID, withEmulator } from "../../support/tenant";

const quiet = { log: () => undefined };
const PUBLIC_STACK = { "azuread:tenantId": TENANT_ID, "azuread:clientId": OPERATOR.clientId, "azuread:clientSecret": "not-used" };

/** Issues "token-for:<scope>" and remembers every scope it was asked for. */
function recordingCredential(): TokenCredentialLike & { scopes: string[] } {
    const credential = {
        scopes: [] as string[],
        async getToken(scopes: string | string[]) {
            const scope = Array.isArray(scopes) ? scopes[0] : scopes;
            credential.scopes.push(scope);
            return { token: `token-for:${scope}`, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
    };
    return credential;
}

/** BAP answering the environment list with one environment whose Dataverse lives at `instanceUrl`. */
function bapListing(instanceUrl: string): HttpClient & { urls: string[] } {
    const http = {
        urls: [] as string[],
        async send(request: { url: string }) {
            http.urls.push(request.url);
            const environment = {
                name: "00000000-0000-0000-0000-0000000000e1",
                properties: { displayName: "Contoso", linkedEnvironmentMetadata: { instanceUrl } },
            };
            return { status: 200, headers: {}, body: { value: [environment] } as any };
        },
    };
    return http;
}

async function publicContext(credential: TokenCredentialLike, extra: Record<string, string> = {}): Promise<ClientContext> {
    return createClientContext(resolveClientSettings({ ...PUBLIC_STACK, ...extra }, {}), { ...quiet, credential });
}

describe("endpoints: where tokens go", function () {
    this.timeout(60_000);

    it("fetches no token for an audience that is neither an endpoint's nor a Dataverse host of the cloud", async () => {
        const credential = recordingCredential();
        const ctx = await publicContext(credential);
        assert.strictEqual(await ctx.tokens.get("https://contoso.crm4.dynamics.com"), "token-for:https://contoso.crm4.dynamics.com/.default");
        assert.strictEqual(await ctx.tokens.get(ctx.endpoints.bapAudience), "token-for:https://service.powerapps.com/.default");
        await assert.rejects(ctx.tokens.get("https://collector.example"), (error: Error) => {
            assert.ok(isAccessError(error, "configuration"), error.message);
            assert.match(
                error.message,
                /^No token was fetched for "https:\/\/collector\.example": it is not an endpoint of this configuration nor a Dataverse host of the public cloud/,
            );
            return true;
        });
        assert.deepStrictEqual(credential.scopes, ["https://contoso.crm4.dynamics.com/.default", "https://service.powerapps.com/.default"]);
    });

    it("refuses an environment whose Dataverse instance BAP places outside the cloud, before any token is fetched for it", async () => {
        const credential = recordingCredential();
        const ctx = { ...(await publicContext(credential)), http: bapListing("https://contoso.crm4.dynamics.com.collector.example/") };
        await assert.rejects(listEnvironments(ctx), (error: Error) => {
            assert.ok(isAccessError(error, "configuration"), error.message);
            assert.ok(
                error.message.startsWith(
                    `Environment 00000000-0000-0000-0000-0000000000e1: BAP (api.bap.microsoft.com, from the public cloud) lists the environment's Dataverse at ` +
                        `"https://contoso.crm4.dynamics.com.collector.example", which is not a Dataverse host of the public cloud (*.dynamics.com, https); no token is fetched for it`,
                ),
                error.message,
            );
            assert.match(error.message, /d365-backup-access:customEndpoints: true/);
            return true;
        });
        assert.deepStrictEqual(credential.scopes, [], "no token was fetched");
    });

    it("accepts a Dataverse instance of the cloud", async () => {
        const ctx = { ...(await publicContext(recordingCredential())), http: bapListing("https://contoso.crm4.dynamics.com/") };
        const [environment] = await listEnvironments(ctx);
        assert.strictEqual(environment.dataverse?.instanceUrl, "https://contoso.crm4.dynamics.com/");
    });

    it("names no custom host when every endpoint is the cloud's", async () => {
        assert.strictEqual(customEndpointsNotice(await publicContext(recordingCredential())), undefined);
    });

    it("with custom endpoints (the emulator's env), a BAP token is for the BAP host's own origin, and every custom host is named", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { ARM_CLIENT_SECRET: _secret, ...variables } = emulator.env;
            assert.strictEqual(variables.D365BA_CUSTOM_ENDPOINTS, "true", "the emulator's env file opts in");
            const ctx = await clientContextFromConfig({ "azuread:clientSecret": OPERATOR.clientSecret }, variables, quiet);
            assert.strictEqual(ctx.endpoints.bapAudience, emulator.endpoints.bap);
            // The emulator's BAP accepts that audience, as a custom BAP host would.
            assert.strictEqual((await listEnvironments(ctx)).length, 1);
            const notice = customEndpointsNotice(ctx) ?? "";
            for (const [url, variable] of [
                [emulator.endpoints.login, "AZURE_AUTHORITY_HOST"],
                [emulator.endpoints.graph, "D365BA_GRAPH_URL"],
                [emulator.endpoints.bap, "D365BA_BAP_URL"],
            ]) {
                assert.ok(notice.includes(`${new URL(url).host} (from ${variable})`), `${notice} names ${url} from ${variable}`);
            }
            assert.ok(notice.includes(`${emulator.endpoints.metadataHost} (from ARM_METADATA_HOSTNAME)`), notice);
        });
    });

    it("names the host and the setting when the metadata host refuses connections", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const variables = { ...emulator.env };
            await emulator.stop();
            await assert.rejects(clientContextFromConfig({}, variables, quiet), (error: Error) => {
                assert.match(
                    error.message,
                    new RegExp(
                        `^Cannot reach the cloud metadata endpoint at ${emulator.endpoints.metadataHost.replace(/\./g, "\\.")}, from ARM_METADATA_HOSTNAME, for read the cloud's endpoints: .*ECONNREFUSED`,
                    ),
                );
                return true;
            });
        });
    });

    it("names the host and the setting when the sign-in endpoint refuses connections", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { ARM_METADATA_HOSTNAME: _metadata, ...variables } = emulator.env;
            const ctx = await clientContextFromConfig({}, variables, quiet);
            await emulator.stop();
            const host = new URL(emulator.endpoints.login).host;
            await assert.rejects(checkOperatorSignIn(ctx), (error: Error) => {
                assert.ok(error.message.startsWith(`Cannot reach the Entra sign-in endpoint at ${host}, from AZURE_AUTHORITY_HOST, for `), error.message);
                assert.match(error.message, /ECONNREFUSED/);
                return true;
            });
        });
    });

    it("holds the endpoints a metadata host names to the cloud's hosts too: the azuread provider would post the credential there", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            // Settings as a stack without the opt-in would have them, with a metadata host that names the emulator's endpoints.
            const { ARM_CLIENT_SECRET: _secret, ...variables } = emulator.env;
            const custom = resolveClientSettings(
                { "azuread:useCli": "true" },
                { ARM_METADATA_HOSTNAME: variables.ARM_METADATA_HOSTNAME, D365BA_CUSTOM_ENDPOINTS: "true" },
            );
            const settings = { ...custom, endpoints: { ...custom.endpoints, custom: false } };
            await assert.rejects(createClientContext(settings, { ...quiet, credential: recordingCredential() }), (error: Error) => {
                assert.ok(isAccessError(error, "configuration"), error.message);
                assert.ok(
                    error.message.startsWith(
                        `The metadata host ${emulator.endpoints.metadataHost} (ARM_METADATA_HOSTNAME) names "${emulator.endpoints.login}" as the login endpoint, which is not a host of the public cloud`,
                    ),
                    error.message,
                );
                return true;
            });
        });
    });
});
