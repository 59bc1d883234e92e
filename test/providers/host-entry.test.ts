// A full lifecycle through Pulumi's real dynamic provider host over gRPC, the way the
// engine drives it: Configure, Check, Diff, Create, Read, Update, Delete.

import * as assert from "assert";

import { ProviderHost, startProviderHost } from "../support/provider-host";
import { hostedProvider } from "../support/serialized";
import { ACCOUNT, baseSeed, environmentId, OPERATOR, SYSTEM_ADMINISTRATOR, systemUserOf, withEmulator } from "../support/tenant";

const ENV = environmentId(1);

/** The host's environment as the engine would give it: the operator's ARM_* variables and endpoint overrides. */
function hostEnvironment(emulatorEnv: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
        if (!/^(ARM_|AZURE_|D365BA_)/.test(name)) env[name] = value;
    }
    return { ...env, ...emulatorEnv };
}

describe("providers in the real dynamic provider host", function () {
    this.timeout(60_000);
    let userText: string;
    let roleText: string;
    before(async () => {
        userText = hostedProvider("EnvironmentUser").text;
        roleText = hostedProvider("SecurityRoleAssignment").text;
    });

    it("runs check, diff, create, read, update and delete over gRPC", async () => {
        await withEmulator(baseSeed({ behaviour: { userSyncDelayMs: 500 } } as any), async (emulator) => {
            const host: ProviderHost = await startProviderHost(hostEnvironment(emulator.env));
            try {
                // The engine sends the whole stack configuration; waits are short against the emulator.
                await host.configure({
                    "d365-backup-access:stage": "operational",
                    "d365-backup-access:pollIntervalSeconds": "0.02",
                    "d365-backup-access:userSyncTimeoutSeconds": "10",
                });

                // EnvironmentUser
                const userNews = { __provider: userText, environmentId: ENV.toUpperCase(), userObjectId: ACCOUNT };
                const checked = await host.check({}, userNews);
                assert.deepStrictEqual(checked.failures, []);
                assert.strictEqual(checked.inputs.environmentId, ENV);
                assert.strictEqual(checked.inputs.accessMode, "read-write");
                assert.strictEqual(checked.inputs.__provider, userText);

                const created = await host.create(checked.inputs);
                const synced = systemUserOf(emulator, ENV)!;
                assert.strictEqual(created.id, `${ENV}/${synced.systemUserId}`);
                assert.strictEqual(created.properties.systemUserId, synced.systemUserId);
                assert.strictEqual(created.properties.accessMode, "read-write");
                assert.strictEqual(created.properties.__provider, userText);
                assert.ok(
                    host.output.some((line) => line.includes("still waiting for the account's Dataverse user to appear")),
                    `progress lines reach the engine:\n${host.output.join("\n")}`,
                );

                const read = await host.read(created.id, created.properties);
                assert.strictEqual(read.id, created.id);
                assert.strictEqual(read.properties.enabled, true);

                const unchanged = await host.diff(created.id, read.properties, checked.inputs);
                assert.deepStrictEqual(unchanged, { changes: "none", replaces: [] });
                const modeChange = { ...checked.inputs, accessMode: "read" };
                assert.deepStrictEqual(await host.diff(created.id, read.properties, modeChange), { changes: "some", replaces: [] });
                assert.deepStrictEqual(await host.diff(created.id, read.properties, { ...checked.inputs, environmentId: environmentId(2) }), {
                    changes: "some",
                    replaces: ["environmentId"],
                });

                const updated = await host.update(created.id, read.properties, modeChange);
                assert.strictEqual(updated.accessMode, "read");
                assert.strictEqual(systemUserOf(emulator, ENV)!.accessMode, 2);

                // SecurityRoleAssignment, depending on the user
                const roleNews = { __provider: roleText, environmentId: ENV, userObjectId: ACCOUNT };
                const roleChecked = await host.check({}, roleNews);
                assert.strictEqual(roleChecked.inputs.roleTemplateId, SYSTEM_ADMINISTRATOR);
                const role = await host.create(roleChecked.inputs);
                assert.strictEqual(role.properties.roleName, "System Administrator");
                assert.ok(systemUserOf(emulator, ENV)!.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR));
                assert.deepStrictEqual(await host.diff(role.id, role.properties, roleChecked.inputs), { changes: "none", replaces: [] });

                // Removed behind our back: refresh reports it gone.
                emulator.mutate((tenant) => {
                    const user = tenant.environments[0].systemUsers.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT)!;
                    user.roleTemplateIds = [];
                });
                assert.strictEqual((await host.read(role.id, role.properties)).id, "");
                const restored = await host.create(roleChecked.inputs);
                assert.ok(systemUserOf(emulator, ENV)!.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR));

                await host.delete(restored.id, restored.properties);
                assert.deepStrictEqual(systemUserOf(emulator, ENV)!.roleTemplateIds, []);
                await host.delete(created.id, updated);
                assert.ok(systemUserOf(emulator, ENV), "the Dataverse user stays");

                for (const properties of [created.properties, updated, role.properties]) {
                    assert.ok(!JSON.stringify(properties).includes(OPERATOR.clientSecret));
                }
            } finally {
                await host.stop();
            }
        });
    });

    it("reports a provider error with its fix through the host", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const host = await startProviderHost(hostEnvironment(emulator.env));
            try {
                await host.configure({});
                await assert.rejects(
                    host.create({ __provider: userText, environmentId: environmentId(9), userObjectId: ACCOUNT, accessMode: "read-write" }),
                    (error: Error) => {
                        assert.match(
                            error.message,
                            new RegExp(`Environment ${environmentId(9)}: No Power Platform environment has this id in the tenant\\. Fix: `),
                        );
                        return true;
                    },
                );
            } finally {
                await host.stop();
            }
        });
    });

    it("ends by itself, once it has run our providers, when its engine goes away (a killed CLI); not before", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const host = await startProviderHost(hostEnvironment(emulator.env));
            try {
                await host.configure({});
                await host.check({}, { __provider: userText, environmentId: environmentId(1), userObjectId: ACCOUNT, accessMode: "read-write" });
                const before = await Promise.race([host.exited, new Promise((resolve) => setTimeout(() => resolve("running"), 6000))]);
                assert.equal(before, "running", "the host stays while its engine is there (the probe runs every 5 s)");
                await host.engineGone();
                assert.equal(await host.exited, 1);
            } finally {
                await host.stop();
            }
        });
    });
});
