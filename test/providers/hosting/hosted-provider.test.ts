// The provider our resources store in state: small, the same everywhere, free of
// machine paths and secrets, and loaded by the host into the project's implementation.
// Also the upgrade from state written by earlier versions (a serialized copy of the
// clients): diff asks for an update, and the update calls nothing.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { environmentUserProvider } from "../../../providers/resources/environment-user";
import { HOST_ENTRY, hostedProviderText, isLegacyProviderText } from "../../../providers/hosting/hosted-provider";
import { securityRoleAssignmentProvider } from "../../../providers/resources/security-role-assignment";
import { configuredProviders, isolateProviderProcess } from "../../support/providers";
import { configRequest, hostedProvider, serializeProvider } from "../../support/serialized";
import { ACCOUNT, baseSeed, dataverseEnvironment, environmentId, stackConfig, SYSTEM_ADMINISTRATOR, withEmulator } from "../../support/tenant";

const REPOSITORY = path.resolve(__dirname, "..", "..", "..");
const COMPILE_CACHE = path.join(REPOSITORY, "lib", "compile-cache.js");
const SECRET = "config-secret-Zq8~never-in-state";
const TYPES = ["EnvironmentUser", "SecurityRoleAssignment"] as const;

describe("hosted providers (what state stores)", () => {
    isolateProviderProcess();

    for (const type of TYPES) {
        describe(type, () => {
            it("is one short line with no machine path", () => {
                const text = hostedProviderText(type);
                assert.ok(text.length < 200, `${text.length} bytes`);
                assert.strictEqual(text.split("\n").filter(Boolean).length, 1);
                assert.ok(!text.includes(path.resolve(".")), "absolute project path in the stored provider");
                assert.ok(!/\/(home|root|tmp|Users)\//.test(text));
            });

            it("loads, as the host does, into an implementation with every method", () => {
                const { provider } = hostedProvider(type);
                for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"] as const) {
                    assert.strictEqual(typeof provider[method], "function", method);
                }
            });

            it("stays free of configuration after configure() ran", async () => {
                const { provider, text } = hostedProvider(type);
                await provider.configure!(configRequest({ "azuread:clientSecret": SECRET, "azuread:clientId": "22222222-2222-2222-2222-222222222222" }));
                assert.strictEqual(hostedProviderText(type), text);
                assert.ok(!text.includes(SECRET));
            });
        });
    }

    it("loads in a plain Node process, as the provider host is, through the compile cache the program shares", function () {
        this.timeout(60_000);
        const load = () => {
            const script = `const p = require(${JSON.stringify(path.join(REPOSITORY, HOST_ENTRY))}).provider("SecurityRoleAssignment");
                console.log(JSON.stringify({ create: typeof p.create, ...require(${JSON.stringify(COMPILE_CACHE)}).statistics }));`;
            return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: REPOSITORY, encoding: "utf8" }));
        };
        // The first load compiles whatever the cache lacks; the next one compiles nothing. (The compiler
        // itself is loaded all the same: @pulumi/pulumi's closure code requires it.)
        const first = load();
        assert.strictEqual(first.create, "function");
        assert.ok(first.compiled + first.fromCache >= 5, JSON.stringify(first));
        const second = load();
        assert.deepStrictEqual(second, { create: "function", compiled: 0, fromCache: first.compiled + first.fromCache, damaged: 0 });
        assert.ok(fs.readdirSync(path.join(REPOSITORY, "node_modules", ".cache", "d365-backup-access", "compiled")).length >= 5);
    });

    it("tells a stored stub from a serialized copy of an earlier version", async () => {
        const legacy = await serializeProvider(environmentUserProvider());
        assert.ok(legacy.text.length > 20_000, "an earlier version stored the whole client stack");
        assert.strictEqual(isLegacyProviderText(legacy.text), true);
        for (const type of TYPES) assert.strictEqual(isLegacyProviderText(hostedProviderText(type)), false);
        assert.strictEqual(isLegacyProviderText(undefined), false);
    });

    it("keeps each implementation's configuration apart", async () => {
        const first = environmentUserProvider();
        const second = environmentUserProvider();
        await first.configure!(configRequest({ "d365-backup-access:cloud": "nowhere" }));
        await second.configure!(configRequest({}));
        await assert.rejects(
            first.create({ environmentId: "00000000-0000-0000-0000-000000000001", userObjectId: "00000000-0000-0000-0000-000000000002" }),
            /d365-backup-access:cloud: "nowhere" is not a cloud/,
        );
        const check = await second.check!({}, { environmentId: "00000000-0000-0000-0000-000000000001", userObjectId: "00000000-0000-0000-0000-000000000002" });
        assert.deepStrictEqual(check.failures, []);
    });

    it("serve both resource types of a host from one client context: one environment listing, one sign-in per audience", async function () {
        this.timeout(30_000);
        const seed = baseSeed({ environments: [1, 2, 3].map((n) => dataverseEnvironment(n)) } as any);
        await withEmulator(seed, async (emulator) => {
            const users = hostedProvider("EnvironmentUser").provider;
            const roles = hostedProvider("SecurityRoleAssignment").provider;
            for (const provider of [users, roles]) await provider.configure!(configRequest(stackConfig(emulator)));
            for (const n of [1, 2, 3]) {
                await users.create({ environmentId: environmentId(n), userObjectId: ACCOUNT, accessMode: "read-write" });
                await roles.create({ environmentId: environmentId(n), userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR });
            }
            const requests = emulator.requests();
            const listings = requests.filter((r) => r.service === "bap" && r.method === "GET" && /\/environments\?/.test(r.path));
            assert.strictEqual(listings.length, 1, "one environment listing");
            const tokens = requests.filter((r) => r.service === "login" && r.method === "POST");
            assert.strictEqual(tokens.length, 4, "one token for BAP and one per environment");
        });
    });

    it("read, as the host loads it from state, sends only GET requests: a refusing Dataverse is an error, never addAppUser", async function () {
        this.timeout(30_000);
        const seed = baseSeed({ environments: [dataverseEnvironment(1, { systemUsers: [{ azureActiveDirectoryObjectId: ACCOUNT, accessMode: 0 }] })] } as any);
        await withEmulator(seed, async (emulator) => {
            const users = hostedProvider("EnvironmentUser").provider;
            // The stack asks for the operator to be added; the process is not read-only.
            await users.configure!(configRequest(stackConfig(emulator, { "d365-backup-access:addOperatorAppUser": "true" })));
            const props = {
                environmentId: environmentId(1),
                userObjectId: ACCOUNT,
                accessMode: "read-write",
                systemUserId: ACCOUNT,
                __provider: hostedProviderText("EnvironmentUser"),
            };
            await assert.rejects(users.read!(`${environmentId(1)}/${ACCOUNT}`, props), /so this read-only run cannot read the environment/);
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                [],
            );
            // The same provider's create still makes the operator an application user.
            await users.create({ environmentId: environmentId(1), userObjectId: ACCOUNT, accessMode: "read-write" });
            assert.strictEqual(emulator.requests().filter((r) => r.method === "POST" && /\/addAppUser\?/.test(r.path)).length, 1);
        });
    });

    describe("upgrading state written by an earlier version", () => {
        it("diffs as an update, and the update keeps the outputs without calling the tenant", async function () {
            this.timeout(30_000);
            await withEmulator(baseSeed(), async (emulator) => {
                const { users, roles } = await configuredProviders(emulator);
                const userInputs = { environmentId: environmentId(1), userObjectId: ACCOUNT, accessMode: "read-write" };
                const user = await users.create(userInputs);
                const roleInputs = { environmentId: environmentId(1), userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR };
                const role = await roles.create(roleInputs);
                const legacyText = (await serializeProvider(securityRoleAssignmentProvider())).text;
                emulator.clearRequests();

                const cases = [
                    { provider: users, type: "EnvironmentUser" as const, outs: user.outs, inputs: userInputs },
                    { provider: roles, type: "SecurityRoleAssignment" as const, outs: role.outs, inputs: roleInputs },
                ];
                for (const { provider, type, outs, inputs } of cases) {
                    const olds = { ...outs, __provider: legacyText };
                    const news = { ...inputs, __provider: hostedProviderText(type) };
                    assert.deepStrictEqual(await provider.diff!("id", olds, news), { changes: true, replaces: [], deleteBeforeReplace: false }, type);
                    const updated = await provider.update!("id", olds, news);
                    assert.deepStrictEqual(updated.outs, outs, type);
                    // Once upgraded, nothing changes.
                    const again = await provider.diff!("id", { ...outs, __provider: news.__provider }, news);
                    assert.strictEqual(again.changes, false, type);
                }
                assert.deepStrictEqual(emulator.requests(), [], "the upgrade made no request");
            });
        });
    });
});
