import { strict as assert } from "assert";
import { createPublicKey, verify } from "crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { RunningEmulator } from "../../../emulator";
import { writeTrustBundle } from "../../../emulator/tls/certificates";
import { credential, decodeJwt, DEMO, demoSeed, dataverseAudience, POWER_APPS, request, start } from "../../support/emulator";

/** A form posted to the tenant's token endpoint, as a client library sends it. */
function postToken(emulator: RunningEmulator, form: Record<string, string>) {
    return request("POST", `${emulator.endpoints.login}/${DEMO.tenantId}/oauth2/v2.0/token`, {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
    });
}

describe("emulator login", () => {
    let emulator: RunningEmulator;

    before(async () => {
        ({ emulator } = await start(demoSeed((s) => (s.behaviour = { ...s.behaviour, tokenLifetimeSeconds: 1800 }))));
    });
    after(() => emulator.stop());

    it("gives @azure/identity tokens for Graph, BAP and each Dataverse environment over HTTPS", async () => {
        const cred = credential(emulator);
        for (const audience of [emulator.endpoints.graph, "https://graph.microsoft.com", POWER_APPS, dataverseAudience(emulator, DEMO.plainEnv)]) {
            const before = Math.floor(Date.now() / 1000);
            const accessToken = await cred.getToken(`${audience}/.default`);
            const claims = decodeJwt(accessToken.token);
            assert.equal(claims.aud, audience);
            assert.equal(claims.tid, DEMO.tenantId);
            assert.equal(claims.oid, DEMO.operator.objectId);
            assert.equal(claims.appid, DEMO.operator.clientId);
            assert.equal(claims.iss, `${emulator.endpoints.login}/${DEMO.tenantId}/`);
            assert.ok((claims.iat as number) >= before - 1);
            assert.equal(claims.nbf, claims.iat);
            assert.equal((claims.exp as number) - (claims.iat as number), 1800, "lifetime comes from behaviour.tokenLifetimeSeconds");
        }
    });

    it("signs tokens with the key published at the tenant's jwks_uri", async () => {
        const config = await request("GET", `${emulator.endpoints.login}/${DEMO.tenantId}/v2.0/.well-known/openid-configuration`);
        assert.equal(config.status, 200);
        for (const field of ["token_endpoint", "authorization_endpoint", "issuer", "jwks_uri"]) assert.equal(typeof config.body[field], "string", field);
        assert.equal(config.body.token_endpoint, `${emulator.endpoints.login}/${DEMO.tenantId}/oauth2/v2.0/token`);
        const jwks = await request("GET", config.body.jwks_uri);
        const jwt = (await credential(emulator).getToken(`${POWER_APPS}/.default`)).token;
        const [header, payload, signature] = jwt.split(".");
        const kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid;
        const jwk = jwks.body.keys.find((k: { kid: string }) => k.kid === kid);
        assert.ok(jwk, "the token's kid is in the key set");
        const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: "jwk" });
        assert.ok(verify("sha256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")));
    });

    it("answers a wrong client secret with AADSTS7000215 in Entra's error shape, HTTP 401", async () => {
        await assert.rejects(credential(emulator, DEMO.operator.clientId, "not-the-secret").getToken(`${POWER_APPS}/.default`), /AADSTS7000215/);
        const res = await postToken(emulator, {
            grant_type: "client_credentials",
            client_id: DEMO.operator.clientId,
            client_secret: "wrong",
            scope: `${POWER_APPS}/.default`,
        });
        assert.equal(res.status, 401);
        assert.equal(res.body.error, "invalid_client");
        assert.deepEqual(res.body.error_codes, [7000215]);
        assert.match(res.body.error_description, /^AADSTS7000215: Invalid client secret provided/);
        for (const field of ["timestamp", "trace_id", "correlation_id"]) assert.equal(typeof res.body[field], "string", field);
        assert.ok(!res.text.includes("wrong"), "the secret sent is not echoed back");
    });

    it("signs a seeded user in with a password (a public client, as the Azure CLI): a delegated token with the user's oid and upn", async () => {
        const upn = demoSeed().users![1].userPrincipalName;
        const { emulator: withPassword } = await start(demoSeed((s) => (s.users![1].password = "user-password-emulator-only")));
        try {
            const ask = (password: string) =>
                postToken(withPassword, {
                    grant_type: "password",
                    client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                    username: upn,
                    password,
                    scope: "https://graph.microsoft.com/.default offline_access openid profile",
                });
            const ok = await ask("user-password-emulator-only");
            assert.equal(ok.status, 200, ok.text);
            const claims = decodeJwt(ok.body.access_token);
            assert.deepEqual([claims.idtyp, claims.oid, claims.upn, claims.aud], ["user", DEMO.adminUser, upn, "https://graph.microsoft.com"]);
            assert.equal(typeof claims.scp, "string");
            const wrong = await ask("not-it");
            assert.deepEqual([wrong.status, wrong.body.error, wrong.body.error_codes], [400, "invalid_grant", [50126]]);
            const users = await request("GET", `${withPassword.endpoints.graph}/v1.0/users/${DEMO.adminUser}`, { token: ok.body.access_token });
            assert.equal(users.status, 200);
            assert.ok(!users.text.includes("user-password-emulator-only"), "Graph never returns a password");
        } finally {
            await withPassword.stop();
        }
    });

    it("answers an unknown client id with AADSTS700016", async () => {
        const res = await postToken(emulator, {
            grant_type: "client_credentials",
            client_id: "00000000-0000-0000-0000-00000000abcd",
            client_secret: "x",
            scope: `${POWER_APPS}/.default`,
        });
        assert.equal(res.status, 400);
        assert.equal(res.body.error, "unauthorized_client");
        assert.deepEqual(res.body.error_codes, [700016]);
    });

    it("refuses tokens for resources the tenant does not have (AADSTS500011) and scopes without /.default", async () => {
        await assert.rejects(credential(emulator).getToken("https://unknown.example.com/.default"), /AADSTS500011/);
        const res = await postToken(emulator, {
            grant_type: "client_credentials",
            client_id: DEMO.operator.clientId,
            client_secret: DEMO.operator.clientSecret,
            scope: `${POWER_APPS}/user_impersonation`,
        });
        assert.equal(res.status, 400);
        assert.equal(res.body.error, "invalid_scope");
    });

    it("serves the Azure metadata document the azuread provider reads from ARM_METADATA_HOSTNAME", async () => {
        assert.equal(emulator.env.ARM_METADATA_HOSTNAME, new URL(emulator.endpoints.login).host);
        const res = await request("GET", `https://${emulator.env.ARM_METADATA_HOSTNAME}/metadata/endpoints?api-version=2022-09-01`);
        assert.equal(res.status, 200);
        assert.equal(typeof res.body.name, "string");
        assert.equal(typeof res.body.resourceManager, "string");
        assert.equal(res.body.microsoftGraphResourceId.replace(/\/$/, ""), emulator.endpoints.graph);
        assert.equal(res.body.authentication.loginEndpoint, emulator.endpoints.login);
        assert.ok(Array.isArray(res.body.authentication.audiences) && res.body.authentication.audiences.length > 0);
        assert.equal(typeof res.body.suffixes.keyVaultDns, "string");
        const unversioned = await request("GET", `https://${emulator.env.ARM_METADATA_HOSTNAME}/metadata/endpoints`);
        assert.equal(unversioned.status, 400);
    });

    it("writes the environment our clients and the azuread provider read", () => {
        assert.deepEqual(Object.keys(emulator.env).sort(), [
            "ARM_CLIENT_ID",
            "ARM_CLIENT_SECRET",
            "ARM_METADATA_HOSTNAME",
            "ARM_TENANT_ID",
            "AZURE_AUTHORITY_HOST",
            "D365BA_BAP_URL",
            "D365BA_CUSTOM_ENDPOINTS",
            "D365BA_GRAPH_URL",
            "NODE_EXTRA_CA_CERTS",
            "SSL_CERT_FILE",
        ]);
        // The emulator's hosts are not a cloud's: its environment opts in to custom endpoints.
        assert.equal(emulator.env.D365BA_CUSTOM_ENDPOINTS, "true");
        assert.equal(emulator.env.AZURE_AUTHORITY_HOST, emulator.endpoints.login);
        assert.equal(emulator.env.D365BA_GRAPH_URL, emulator.endpoints.graph);
        assert.equal(emulator.env.D365BA_BAP_URL, emulator.endpoints.bap);
        assert.equal(emulator.env.NODE_EXTRA_CA_CERTS, emulator.caFile);
        // Go programs (the CLI, provider plugins) get a bundle with the CA, not the CA alone.
        assert.notEqual(emulator.env.SSL_CERT_FILE, emulator.caFile);
        assert.ok(readFileSync(emulator.env.SSL_CERT_FILE, "utf8").includes(readFileSync(emulator.caFile, "utf8").trim()), "the emulator's CA");
    });

    it("gives Go programs the system's trusted roots plus the emulator's CA, so public hosts stay trusted", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "d365ba-trust-"));
        try {
            const system = path.join(dir, "system-roots.pem");
            writeFileSync(system, "-----BEGIN CERTIFICATE-----\nSYSTEM-ROOT\n-----END CERTIFICATE-----\n");
            const ca = { certPem: "-----BEGIN CERTIFICATE-----\nEMULATOR-CA\n-----END CERTIFICATE-----\n" };
            const bundle = readFileSync(await writeTrustBundle(dir, ca, [path.join(dir, "absent.pem"), system]), "utf8");
            assert.match(bundle, /SYSTEM-ROOT[\s\S]*EMULATOR-CA/);
            const alone = readFileSync(await writeTrustBundle(dir, ca, [path.join(dir, "absent.pem")]), "utf8");
            assert.equal(alone, ca.certPem, "with no system bundle, the CA alone");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
