// The federated-token request of the workload identity (OIDC) sign-in carries the CI
// system's request token: it must reach the configured URL and nothing else.

import { strict as assert } from "assert";
import * as https from "https";
import { AddressInfo } from "net";

import { ensureCertificateAuthority, ensureKeyPair, issueServerCertificate, defaultCaDir } from "../../emulator/tls/certificates";
import { createCredential } from "../../providers/transport/credentials";
import { LocalServer, startLocalServer } from "./support/local-server";

const REQUEST_TOKEN = "ci-request-token-for-tests";
const TENANT = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const CLIENT = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

interface TlsServer {
    readonly url: string;
    readonly paths: string[];
    close(): Promise<void>;
}

/** An HTTPS server on loopback, with a certificate of the emulator's CA (which the test process trusts), answering with `answer`. */
async function startTlsServer(answer: (response: import("http").ServerResponse) => void): Promise<TlsServer> {
    const caDir = process.env.D365BA_EMULATOR_CA_DIR ?? defaultCaDir();
    const ca = await ensureCertificateAuthority(caDir);
    const keys = await ensureKeyPair(caDir, "server-key.pem");
    const { certPem, keyPem } = issueServerCertificate(ca, keys, "credentials test");
    const paths: string[] = [];
    const server = https.createServer({ cert: certPem, key: keyPem }, (request, response) => {
        paths.push(request.url ?? "");
        answer(response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `https://127.0.0.1:${port}`, paths, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("the workload identity (OIDC) token request", () => {
    let target: TlsServer;
    let issuer: TlsServer;
    let proxy: LocalServer;
    const saved: Record<string, string | undefined> = {};

    before(async () => {
        target = await startTlsServer((response) => {
            response.setHeader("Content-Type", "application/json");
            response.end(JSON.stringify({ value: "a-token-from-the-redirect-target" }));
        });
        issuer = await startTlsServer((response) => {
            response.statusCode = 302;
            response.setHeader("Location", `${target.url}/collect`);
            response.end();
        });
        proxy = await startLocalServer();
        // A proxy in the environment, as a CI runner may have: the token request must not use it.
        for (const variable of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]) saved[variable] = process.env[variable];
        process.env.HTTPS_PROXY = process.env.https_proxy = proxy.url;
        process.env.HTTP_PROXY = process.env.http_proxy = proxy.url;
        delete process.env.NO_PROXY;
        delete process.env.no_proxy;
    });

    after(async () => {
        for (const [variable, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[variable];
            else process.env[variable] = value;
        }
        await Promise.all([target?.close(), issuer?.close(), proxy?.close()]);
    });

    it("does not follow a redirect: the sign-in fails on it, and the redirect target receives nothing", async () => {
        // The authority is never reached: the token request fails first.
        const credential = createCredential(
            { method: "oidc", tenantId: TENANT, clientId: CLIENT, requestUrl: `${issuer.url}/token`, requestToken: REQUEST_TOKEN },
            "https://127.0.0.1:9",
        );
        await assert.rejects(credential.getToken("https://graph.microsoft.com/.default"), /workload identity token from the CI system failed with HTTP 302/);
        assert.deepEqual(issuer.paths, ["/token?audience=api%3A%2F%2FAzureADTokenExchange"], "the configured URL was asked, directly");
        assert.deepEqual(target.paths, [], "the redirect was not followed");
        assert.deepEqual(proxy.requests, [], "HTTPS_PROXY was not used");
    });
});
