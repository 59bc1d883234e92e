// The token cache: one token per audience, renewed shortly before expiry, one
// sign-in shared by concurrent callers, errors that say what to configure.

import * as assert from "assert";

import { TokenCredentialLike } from "../../../providers/transport/credentials";
import { isAccessError } from "../../../providers/transport/errors";
import { createTokenSource } from "../../../providers/transport/tokens";

interface FakeCredential extends TokenCredentialLike {
    requests: string[];
}

/** Issues "<scope>#<n>" tokens living `lifetimeMs` on the given clock. */
function fakeCredential(clock: { now: number }, lifetimeMs: number, delayMs = 0): FakeCredential {
    const credential: FakeCredential = {
        requests: [],
        async getToken(scopes) {
            const scope = Array.isArray(scopes) ? scopes[0] : scopes;
            credential.requests.push(scope);
            if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
            return { token: `${scope}#${credential.requests.length}`, expiresOnTimestamp: clock.now + lifetimeMs };
        },
    };
    return credential;
}

describe("token cache", () => {
    it("asks for <audience>/.default and reuses the token while it is fresh", async () => {
        const clock = { now: 1_000_000 };
        const credential = fakeCredential(clock, 3_600_000);
        const tokens = createTokenSource(credential, { describe: "test", now: () => clock.now });
        const first = await tokens.get("https://service.powerapps.com/");
        clock.now += 50 * 60_000;
        const second = await tokens.get("https://service.powerapps.com");
        assert.strictEqual(first, second);
        assert.deepStrictEqual(credential.requests, ["https://service.powerapps.com/.default"]);
    });

    it("a sign-in nobody waits for any more does not keep the process alive for its two-minute bound", async () => {
        const hanging: TokenCredentialLike = { getToken: () => new Promise(() => undefined) };
        const tokens = createTokenSource(hanging, { describe: "test", signInTimeoutMs: 120_000 });
        // Mocha starts this test's own timeout timer once the test has returned its promise.
        await new Promise((resolve) => setImmediate(resolve));
        const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
        void tokens.get("https://service.powerapps.com").catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        // getActiveResourcesInfo counts only the timers that hold the process open.
        const timersAfter = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
        assert.equal(timersAfter, timersBefore, "the sign-in's bound holds the process open");
    });

    it("keeps one token per audience", async () => {
        const clock = { now: 0 };
        const credential = fakeCredential(clock, 3_600_000);
        const tokens = createTokenSource(credential, { describe: "test", now: () => clock.now });
        await tokens.get("https://graph.microsoft.com");
        await tokens.get("https://service.powerapps.com");
        await tokens.get("https://graph.microsoft.com");
        await tokens.get("https://org.crm.dynamics.com");
        assert.deepStrictEqual(credential.requests, [
            "https://graph.microsoft.com/.default",
            "https://service.powerapps.com/.default",
            "https://org.crm.dynamics.com/.default",
        ]);
    });

    it("renews an hour-long token two minutes before it expires", async () => {
        const clock = { now: 0 };
        const credential = fakeCredential(clock, 3_600_000);
        const tokens = createTokenSource(credential, { describe: "test", now: () => clock.now });
        await tokens.get("https://a");
        clock.now = 3_600_000 - 120_001;
        await tokens.get("https://a");
        assert.strictEqual(credential.requests.length, 1);
        clock.now = 3_600_000 - 119_999;
        await tokens.get("https://a");
        assert.strictEqual(credential.requests.length, 2);
    });

    it("renews a short-lived token a quarter of its lifetime early", async () => {
        const clock = { now: 0 };
        const credential = fakeCredential(clock, 4_000);
        const tokens = createTokenSource(credential, { describe: "test", now: () => clock.now });
        await tokens.get("https://a");
        clock.now = 2_900;
        await tokens.get("https://a");
        assert.strictEqual(credential.requests.length, 1);
        clock.now = 3_001;
        await tokens.get("https://a");
        assert.strictEqual(credential.requests.length, 2);
    });

    it("shares one sign-in between concurrent callers", async () => {
        const clock = { now: 0 };
        const credential = fakeCredential(clock, 3_600_000, 20);
        const tokens = createTokenSource(credential, { describe: "test", now: () => clock.now });
        const results = await Promise.all(Array.from({ length: 10 }, () => tokens.get("https://a")));
        assert.strictEqual(new Set(results).size, 1);
        assert.strictEqual(credential.requests.length, 1);
    });

    it("drops a refused token, but not a newer one", async () => {
        const clock = { now: 0 };
        const credential = fakeCredential(clock, 3_600_000);
        const tokens = createTokenSource(credential, { describe: "test", now: () => clock.now });
        const first = await tokens.get("https://a");
        tokens.invalidate("https://a", first);
        const second = await tokens.get("https://a");
        assert.notStrictEqual(first, second);
        tokens.invalidate("https://a", first);
        assert.strictEqual(await tokens.get("https://a"), second);
        assert.strictEqual(credential.requests.length, 2);
    });

    it("turns a failed sign-in into a credential error naming the method", async () => {
        const credential: TokenCredentialLike = {
            async getToken() {
                throw Object.assign(new Error("AADSTS7000215: Invalid client secret provided."), { name: "AuthenticationError" });
            },
        };
        const tokens = createTokenSource(credential, { describe: "client secret of application abc in tenant t" });
        await assert.rejects(tokens.get("https://a"), (error: Error) => {
            assert.ok(isAccessError(error, "credential"));
            assert.match(error.message, /client secret of application abc/);
            assert.match(error.message, /AADSTS7000215/);
            return true;
        });
    });

    it("says which keys to set when nothing is configured and the Azure CLI is not signed in", async () => {
        const credential: TokenCredentialLike = {
            async getToken() {
                throw Object.assign(new Error("Please run 'az login' to set up an account."), { name: "CredentialUnavailableError" });
            },
        };
        const tokens = createTokenSource(credential, { describe: "Azure CLI sign-in", fallback: true });
        await assert.rejects(tokens.get("https://a"), (error: Error) => {
            assert.ok(isAccessError(error, "credential"));
            assert.match(error.message, /No credentials for the Power Platform clients/);
            for (const key of ["azuread:clientId", "azuread:clientSecret", "ARM_CLIENT_SECRET", "ARM_USE_OIDC", "az login"]) {
                assert.ok(error.message.includes(key), `names ${key}`);
            }
            return true;
        });
    });

    it("bounds a sign-in: a credential that never answers fails after the sign-in timeout and is asked to stop", async () => {
        let signal: AbortSignal | undefined;
        const silent: TokenCredentialLike = {
            getToken: (_scopes, options) => {
                signal = options?.abortSignal;
                return new Promise(() => undefined);
            },
        };
        const tokens = createTokenSource(silent, { describe: "client secret of application x", signInTimeoutMs: 50 });
        await assert.rejects(tokens.get("https://graph.microsoft.com"), (error: Error) => {
            assert.ok(isAccessError(error, "credential"), error.message);
            assert.match(error.message, /^Signing in for https:\/\/graph\.microsoft\.com with the client secret of application x did not finish within/);
            return true;
        });
        assert.strictEqual(signal?.aborted, true);
    });
});
