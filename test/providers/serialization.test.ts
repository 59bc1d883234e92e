// The providers survive Pulumi's serialization and carry no secret in it.

import * as assert from "assert";

import { environmentUserProvider } from "../../providers/environment-user";
import { securityRoleAssignmentProvider } from "../../providers/security-role-assignment";
import { configRequest, serializeProvider } from "./support/serialized";

const SECRET = "config-secret-Zq8~never-in-state";
const ENV_SECRET = "env-secret-Xy3~never-in-state";

describe("serialized providers", () => {
    const saved = { ...process.env };
    before(() => {
        process.env.ARM_CLIENT_SECRET = ENV_SECRET;
        process.env.ARM_OIDC_TOKEN = ENV_SECRET;
    });
    after(() => {
        process.env = saved;
    });

    for (const make of [environmentUserProvider, securityRoleAssignmentProvider]) {
        describe(make.name, () => {
            it("load back with every method", async () => {
                const { provider } = await serializeProvider(make());
                for (const method of ["configure", "check", "diff", "create", "read", "delete"] as const) {
                    assert.strictEqual(typeof provider[method], "function", method);
                }
            });

            it("contain no secret, even after configure() ran in the same process", async () => {
                const provider = make();
                await provider.configure!(
                    configRequest({ "azuread:clientSecret": SECRET, "azuread:clientId": "22222222-2222-2222-2222-222222222222" }),
                );
                const { text } = await serializeProvider(provider);
                assert.ok(!text.includes(SECRET), "configured secret in the serialized provider");
                assert.ok(!text.includes(ENV_SECRET), "environment secret in the serialized provider");
                assert.ok(!text.includes("22222222-2222-2222-2222-222222222222"), "configuration in the serialized provider");
            });

            it("load modules at run time instead of capturing them", async () => {
                const { text } = await serializeProvider(make());
                assert.match(text, /require\("axios"\)/);
                assert.match(text, /require\("@azure\/identity"\)/);
                assert.doesNotMatch(text, /__awaiter|ts-node/);
            });
        });
    }

    it("keep each loaded copy's configuration apart", async () => {
        const first = (await serializeProvider(environmentUserProvider())).provider;
        const second = (await serializeProvider(environmentUserProvider())).provider;
        await first.configure!(configRequest({ "d365-backup-access:cloud": "nowhere" }));
        await second.configure!(configRequest({}));
        // The first copy's bad configuration is its own: only it fails.
        await assert.rejects(
            first.create({ environmentId: "00000000-0000-0000-0000-000000000001", userObjectId: "00000000-0000-0000-0000-000000000002" }),
            /d365-backup-access:cloud: "nowhere" is not a cloud/,
        );
        const check = await second.check!({}, { environmentId: "00000000-0000-0000-0000-000000000001", userObjectId: "00000000-0000-0000-0000-000000000002" });
        assert.deepStrictEqual(check.failures, []);
    });
});
