// EnvironmentUser against the tenant emulator.

import * as assert from "assert";

import type { RunningEmulator } from "../../../emulator";
import { environmentUserProvider } from "../../../providers/resources/environment-user";
import { isAccessError } from "../../../providers/transport/errors";
import { securityRoleAssignmentProvider } from "../../../providers/resources/security-role-assignment";
import { assertPlainJson, configuredProviders, isolateProviderProcess } from "../../support/providers";
import { configRequest } from "../../support/serialized";
import {
    ACCOUNT,
    baseSeed,
    dataverseEnvironment,
    environmentId,
    GROUP,
    OPERATOR,
    OPERATOR_APP_USER,
    stackConfig,
    SYSTEM_ADMINISTRATOR,
    systemUserOf,
    withEmulator,
} from "../../support/tenant";

const ENV = environmentId(1);
const inputs = { environmentId: ENV, userObjectId: ACCOUNT, accessMode: "read-write" };

function requestsTo(emulator: { requests(): { service: string; method: string; path: string; status: number }[] }, method: string, path: RegExp) {
    return emulator.requests().filter((r) => r.method === method && path.test(r.path));
}

/** BAP refuses every addUser with this status, error code and message. */
function refuseAddUser(emulator: RunningEmulator, status: number, code: string, message: string) {
    emulator.addFault({ service: "bap", method: "POST", route: "/addUser", status, code, message });
}

describe("EnvironmentUser provider", function () {
    this.timeout(30_000);
    const console = isolateProviderProcess();

    it("adds the account, waits for Power Platform to sync it, and returns plain outputs", async () => {
        await withEmulator(baseSeed({ behaviour: { userSyncDelayMs: 150 } } as any), async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { id, outs } = await users.create(inputs);
            const synced = systemUserOf(emulator, ENV)!;
            assert.strictEqual(id, `${ENV}/${synced.systemUserId}`);
            assert.deepStrictEqual(outs, {
                environmentId: ENV,
                userObjectId: ACCOUNT,
                accessMode: "read-write",
                systemUserId: synced.systemUserId,
                businessUnitId: outs.businessUnitId,
                instanceUrl: emulator.endpoints.dataverse[ENV],
                environmentName: "Environment 1",
                enabled: true,
            });
            assertPlainJson(outs);
            assert.strictEqual(requestsTo(emulator, "POST", /addUser/).length, 1);
            assert.ok(requestsTo(emulator, "GET", /systemusers\?\$filter/).length >= 2, "polled until the user appeared");
        });
    });

    it("prints progress while it waits", async () => {
        await withEmulator(baseSeed({ behaviour: { userSyncDelayMs: 700 } } as any), async (emulator) => {
            const { users } = await configuredProviders(emulator);
            await users.create(inputs);
            assert.ok(
                console.lines.some((line) => line.startsWith(`Environment ${ENV}: still waiting for the account's Dataverse user to appear (not synced yet)`)),
                console.lines.join("\n"),
            );
        });
    });

    it("adopts a user that is already there and sets Read-Write", async () => {
        const seed = baseSeed({
            environments: [dataverseEnvironment(1, { systemUsers: [OPERATOR_APP_USER, { azureActiveDirectoryObjectId: ACCOUNT, accessMode: 1 }] })],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { outs } = await users.create(inputs);
            assert.strictEqual(outs.accessMode, "read-write");
            assert.strictEqual(systemUserOf(emulator, ENV)!.accessMode, 0);
            assert.strictEqual(requestsTo(emulator, "POST", /addUser/).length, 0);
            assert.strictEqual(requestsTo(emulator, "PATCH", /systemusers\(/).length, 1);
        });
    });

    it("waits while the licence propagates (userNotLicensed), then adds the account", async () => {
        const seed = baseSeed({
            users: [{ id: ACCOUNT, userPrincipalName: "backup@contoso.onmicrosoft.com", licenses: [] }],
            behaviour: { licensePropagationDelayMs: 250, userSyncDelayMs: 20 },
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            // The licence is assigned while the provider is already trying; it then takes 250 ms to propagate.
            setTimeout(() => emulator.mutate((tenant) => tenant.users[0].licenses.push("DYN365_ENTERPRISE_PLAN1")), 100);
            const { outs } = await users.create(inputs);
            assert.strictEqual(outs.accessMode, "read-write");
            const statuses = requestsTo(emulator, "POST", /addUser/).map((r) => r.status);
            assert.ok(statuses.length >= 2 && statuses.slice(0, -1).every((s) => s === 400) && statuses.at(-1) === 200, statuses.join(","));
        });
    });

    it("gives up on a licence that never arrives, saying to assign one", async () => {
        const seed = baseSeed({ users: [{ id: ACCOUNT, userPrincipalName: "backup@contoso.onmicrosoft.com", licenses: [] }] } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator, { "d365-backup-access:licenseWaitTimeoutSeconds": "0.3" });
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "licence"), error.message);
                assert.match(
                    error.message,
                    new RegExp(
                        `^Environment ${ENV} \\("Environment 1"\\): Power Platform still reports the account ${ACCOUNT} as not licensed in this environment`,
                    ),
                );
                assert.match(error.message, /userNotLicensed/);
                assert.match(error.message, /Fix: assign the account a Dynamics 365 licence/);
                assert.match(error.message, /licenseWaitTimeoutSeconds/);
                return true;
            });
            assert.strictEqual(systemUserOf(emulator, ENV), undefined);
        });
    });

    it("refuses an environment without Dataverse before changing anything", async () => {
        const seed = baseSeed({ environments: [{ id: ENV, displayName: "Flows only", sku: "Sandbox", dataverse: false }] } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "no-dataverse"), error.message);
                assert.match(
                    error.message,
                    new RegExp(`^Environment ${ENV} \\("Flows only"\\): The environment cannot be served \\[no-dataverse\\]: no Dataverse database`),
                );
                return true;
            });
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                [],
            );
        });
    });

    it("refuses an unknown environment id", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { users } = await configuredProviders(emulator);
            await assert.rejects(users.create({ ...inputs, environmentId: environmentId(7) }), (error: Error) => isAccessError(error, "unknown-environment"));
        });
    });

    it("in a security-group environment, waits until the account is a member", async () => {
        const seed = baseSeed({ environments: [dataverseEnvironment(1, { securityGroupId: GROUP })] } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            // The group membership lands while the provider is already trying.
            const joined = new Promise<void>((resolve) =>
                setTimeout(() => {
                    emulator.mutate((tenant) => tenant.groups.find((g) => g.id === GROUP)!.members.push(ACCOUNT));
                    resolve();
                }, 250),
            );
            const { outs } = await users.create(inputs);
            await joined;
            assert.strictEqual(outs.enabled, true);
            const statuses = requestsTo(emulator, "POST", /addUser/).map((r) => r.status);
            assert.strictEqual(statuses[0], 400);
            assert.strictEqual(statuses.at(-1), 200);
        });
    });

    it("in a security-group environment, says to add the account to the group when it never is", async () => {
        const seed = baseSeed({ environments: [dataverseEnvironment(1, { securityGroupId: GROUP })] } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator, { "d365-backup-access:licenseWaitTimeoutSeconds": "0.3" });
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "security-group"), error.message);
                assert.match(error.message, new RegExp(`not a member of the environment's security group ${GROUP}`));
                assert.match(error.message, /Fix: make the account a member of that Entra group/);
                return true;
            });
        });
    });

    it("re-syncs a user disabled in Dataverse; refresh reports it and the update repairs it", async () => {
        const seed = baseSeed({
            environments: [
                dataverseEnvironment(1, { systemUsers: [OPERATOR_APP_USER, { azureActiveDirectoryObjectId: ACCOUNT, accessMode: 0, isDisabled: true }] }),
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { id, outs } = await users.create(inputs);
            assert.strictEqual(outs.enabled, true);
            assert.strictEqual(systemUserOf(emulator, ENV)!.isDisabled, false);

            // Disabled behind our back: refresh sees it, diff asks for an update, the update re-syncs.
            emulator.mutate((tenant) => (tenant.environments[0].systemUsers.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT)!.isDisabled = true));
            const read = await users.read!(id, outs);
            assert.strictEqual(read.props!.enabled, false);
            const diff = await users.diff!(id, read.props, inputs);
            assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
            const updated = await users.update!(id, read.props, inputs);
            assert.strictEqual(updated.outs!.enabled, true);
            assert.strictEqual(systemUserOf(emulator, ENV)!.isDisabled, false);
        });
    });

    it("says why when the account stays disabled (blocked in Entra ID)", async () => {
        const seed = baseSeed({
            users: [{ id: ACCOUNT, userPrincipalName: "backup@contoso.onmicrosoft.com", accountEnabled: false, licenses: ["DYN365_ENTERPRISE_PLAN1"] }],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator, { "d365-backup-access:userSyncTimeoutSeconds": "0.4" });
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "disabled-user"), error.message);
                assert.match(error.message, /is still disabled/);
                assert.match(error.message, /Fix: Dataverse disables users that lost their Dynamics licence/);
                return true;
            });
        });
    });

    it("reads what is there: the access mode found, and nothing once the environment is gone", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { id, outs } = await users.create(inputs);
            emulator.mutate((tenant) => (tenant.environments[0].systemUsers.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT)!.accessMode = 1));
            const read = await users.read!(id, outs);
            assert.strictEqual(read.id, id);
            assert.strictEqual(read.props!.accessMode, "administrative");
            assertPlainJson(read.props);
            emulator.mutate((tenant) => (tenant.environments = []));
            // A later command (`pulumi refresh`): a new provider process, which lists environments afresh.
            const gone = await (await configuredProviders(emulator)).users.read!(id, outs);
            assert.strictEqual(gone.id, undefined);
        });
    });

    it("updates the access mode in place", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { id, outs } = await users.create(inputs);
            const news = { ...inputs, accessMode: "read" };
            assert.deepStrictEqual((await users.diff!(id, outs, news)).replaces, []);
            const updated = await users.update!(id, outs, news);
            assert.strictEqual(updated.outs!.accessMode, "read");
            assert.strictEqual(systemUserOf(emulator, ENV)!.accessMode, 2);
        });
    });

    it("leaves the Dataverse user in place on delete", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { id, outs } = await users.create(inputs);
            emulator.clearRequests();
            await users.delete!(id, outs);
            assert.ok(systemUserOf(emulator, ENV), "the user is still there");
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.method !== "GET"),
                [],
            );
            assert.ok(console.lines.some((line) => /stays in place/.test(line)));
        });
    });

    it("makes a service-principal operator an application user where Dataverse refuses it", async () => {
        const seed = baseSeed({ environments: [dataverseEnvironment(1, { systemUsers: [] })] } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            const { outs } = await users.create(inputs);
            assert.strictEqual(outs.enabled, true);
            assert.strictEqual(requestsTo(emulator, "POST", /addAppUser/).length, 1);
            assert.ok(systemUserOf(emulator, ENV, OPERATOR.objectId), "the operator is an application user now");
            assert.ok(console.lines.some((line) => line.includes(`making it an application user`)));
        });
    });

    it("says how to give the operator access when it may not do so itself", async () => {
        const seed = baseSeed({ environments: [dataverseEnvironment(1, { systemUsers: [] })] } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator, { "d365-backup-access:addOperatorAppUser": "false" });
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "operator-access"), error.message);
                assert.match(error.message, new RegExp(`Dataverse refuses the operator's application ${OPERATOR.clientId}`));
                assert.match(error.message, /0x80072560/);
                assert.match(error.message, /addAppUser\?api-version=2020-10-01/);
                assert.match(error.message, /d365-backup-access:addOperatorAppUser/);
                return true;
            });
            assert.strictEqual(requestsTo(emulator, "POST", /addAppUser|addUser/).length, 0);
        });
    });

    describe("where Dataverse refuses the operator", () => {
        /** The operator is no member of the environment: Dataverse answers 403 0x80072560 until addAppUser. */
        const notAnAppUser = () =>
            baseSeed({ environments: [dataverseEnvironment(1, { systemUsers: [{ azureActiveDirectoryObjectId: ACCOUNT, accessMode: 0 }] })] } as any);
        const stored = (emulator: { endpoints: { dataverse: Record<string, string> } }) => ({
            ...inputs,
            systemUserId: "11111111-2222-4333-8444-555555555555",
            businessUnitId: "11111111-2222-4333-8444-666666666666",
            instanceUrl: emulator.endpoints.dataverse[ENV],
            environmentName: "Environment 1",
            enabled: true,
        });
        const refusingForGood = {
            service: "dataverse",
            route: "/api/data/",
            status: 403,
            code: "0x80072560",
            message: "The user is not a member of the organization.",
        } as const;

        for (const readOnlyVariable of [undefined, "false", "0"]) {
            it(`a read fails at once, naming the environment and the fix, and sends nothing but GET (D365BA_READ_ONLY ${readOnlyVariable ?? "unset"})`, async () => {
                const saved = process.env.D365BA_READ_ONLY;
                if (readOnlyVariable === undefined) delete process.env.D365BA_READ_ONLY;
                else process.env.D365BA_READ_ONLY = readOnlyVariable;
                try {
                    await withEmulator(notAnAppUser(), async (emulator) => {
                        const { users } = await configuredProviders(emulator, { "d365-backup-access:addOperatorAppUser": "true" });
                        const props = stored(emulator);
                        await assert.rejects(users.read!(`${ENV}/${props.systemUserId}`, props), (error: Error) => {
                            assert.ok(isAccessError(error, "operator-access"), error.message);
                            assert.match(
                                error.message,
                                new RegExp(
                                    `^Environment ${ENV}: Dataverse refuses the operator's application ${OPERATOR.clientId}, so this read-only run cannot read the environment`,
                                ),
                            );
                            assert.match(error.message, /0x80072560/);
                            assert.match(
                                error.message,
                                new RegExp(`Fix: make application ${OPERATOR.clientId} an application user .*addAppUser\\?api-version=2020-10-01`),
                            );
                            assert.match(error.message, /`pulumi up` does it/);
                            return true;
                        });
                        assert.deepStrictEqual(
                            emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                            [],
                        );
                        assert.strictEqual(emulator.requests().filter((r) => r.service === "dataverse").length, 1, "one refused read, no waiting");
                        assert.ok(!systemUserOf(emulator, ENV, OPERATOR.objectId), "the operator was not made an application user");
                    });
                } finally {
                    if (saved === undefined) delete process.env.D365BA_READ_ONLY;
                    else process.env.D365BA_READ_ONLY = saved;
                }
            });
        }

        it("a create still makes the operator an application user, then goes on", async () => {
            await withEmulator(notAnAppUser(), async (emulator) => {
                const { users } = await configuredProviders(emulator);
                const { outs } = await users.create(inputs);
                assert.strictEqual(outs.enabled, true);
                assert.strictEqual(requestsTo(emulator, "POST", /addAppUser/).length, 1);
                assert.ok(systemUserOf(emulator, ENV, OPERATOR.objectId), "the operator is an application user now");
            });
        });

        it("a create gives up after operatorAccessTimeoutSeconds, naming the environment, the key and the fix", async () => {
            await withEmulator(baseSeed({ faults: [refusingForGood] } as any), async (emulator) => {
                const { users } = await configuredProviders(emulator, { "d365-backup-access:operatorAccessTimeoutSeconds": "0.3" });
                await assert.rejects(users.create(inputs), (error: Error) => {
                    assert.ok(isAccessError(error, "operator-access"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV}: The operator's application ${OPERATOR.clientId} was made an application user, but Dataverse still refuses it after`,
                        ),
                    );
                    assert.match(error.message, /d365-backup-access:operatorAccessTimeoutSeconds/);
                    return true;
                });
                assert.strictEqual(requestsTo(emulator, "POST", /addAppUser/).length, 1);
                assert.ok(requestsTo(emulator, "GET", /WhoAmI/).length >= 1, "polled WhoAmI");
            });
        });

        it("a create that Dataverse still refuses once it accepts the operator says so, without repeating addAppUser", async () => {
            const refusingUsers = {
                ...refusingForGood,
                route: "/systemusers",
                code: "0x80040220",
                message: "Principal user is missing prvReadUser privilege.",
            };
            await withEmulator(baseSeed({ faults: [refusingUsers] } as any), async (emulator) => {
                const { users } = await configuredProviders(emulator);
                await assert.rejects(users.create(inputs), (error: Error) => {
                    assert.ok(isAccessError(error, "operator-access"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV}: Dataverse accepts the operator now \\(WhoAmI\\) but still refuses this call \\(.*prvReadUser.*\\) \\[find the account's Dataverse user: GET .* \\(HTTP 403 0x80040220\\)\\]\\. Fix: check in the admin center`,
                        ),
                    );
                    return true;
                });
                assert.strictEqual(requestsTo(emulator, "POST", /addAppUser/).length, 1);
            });
        });

        it("shares the outcome within the environment: the role resource neither adds the operator again nor waits again", async () => {
            await withEmulator(baseSeed({ faults: [refusingForGood] } as any), async (emulator) => {
                const key = {};
                const users = environmentUserProvider(key);
                const roles = securityRoleAssignmentProvider(key);
                const config = configRequest(stackConfig(emulator, { "d365-backup-access:operatorAccessTimeoutSeconds": "0.3" }));
                for (const provider of [users, roles]) await provider.configure!(config);
                await assert.rejects(users.create(inputs), /still refuses it after/);
                const before = emulator.requests().length;
                await assert.rejects(
                    roles.create({ environmentId: ENV, userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR }),
                    /still refuses it after/,
                );
                const after = emulator.requests().slice(before);
                assert.deepStrictEqual(
                    after.map((r) => `${r.service} ${r.method}`),
                    ["dataverse GET"],
                    "only the role resource's own refused read",
                );
            });
        });
    });

    describe("environments that cannot be served now, and environments that go", () => {
        /** How each condition is put on environment 1 after the stack served it, as BAP then lists it. */
        const CONDITIONS: [string, (environment: any) => void][] = [
            ["disabled", (environment) => (environment.runtimeState = "Disabled")],
            ["not-ready", (environment) => (environment.instanceState = "NotReady")],
            ["provisioning", (environment) => (environment.provisioningState = "LinkedDatabaseProvisioning")],
            ["busy", (environment) => (environment.managementState = "Running")],
            ["teams", (environment) => Object.assign(environment, { sku: "Teams", securityGroupId: GROUP })],
        ];
        const put = (emulator: any, change: (environment: any) => void) =>
            emulator.mutate((tenant: any) => change(tenant.environments.find((e: any) => e.id === ENV)));
        const calledAfter = (emulator: any, service: string) => emulator.requests().filter((r: any) => r.service === service);
        const calls = (emulator: any) =>
            emulator
                .requests()
                .filter((r: any) => r.service !== "login")
                .map((r: any) => `${r.service} ${r.method} ${r.status}`);
        /** Gives the account its user and reads it back, so that this provider process has listed and served environment 1. */
        const servedOnce = async (emulator: any) => {
            const { users } = await configuredProviders(emulator);
            const { id, outs } = await users.create(inputs);
            assert.strictEqual((await users.read!(id, outs)).id, id, "listed and served");
            return { users, id, outs };
        };
        /** Two environments, so that a create in environment 2 makes this provider process list them before environment 1 changes. */
        const twoEnvironments = () => baseSeed({ environments: [dataverseEnvironment(1), dataverseEnvironment(2)] } as any);
        const listedByCreateInEnvironment2 = async (emulator: any) => {
            const { users } = await configuredProviders(emulator);
            await users.create({ ...inputs, environmentId: environmentId(2) });
            return users;
        };

        for (const [code, change] of CONDITIONS) {
            it(`a refresh keeps the stored state where the environment is listed but cannot be served now [${code}], and calls nothing there`, async () => {
                await withEmulator(baseSeed(), async (emulator) => {
                    const { id, outs } = await (await configuredProviders(emulator)).users.create(inputs);
                    put(emulator, change);
                    emulator.clearRequests();
                    // `pulumi refresh`: a new provider process, which lists environments afresh.
                    const read = await (await configuredProviders(emulator)).users.read!(id, outs);
                    assert.deepStrictEqual(read, { id, props: outs });
                    assert.deepStrictEqual(calledAfter(emulator, "dataverse"), [], "nothing observed in its Dataverse");
                    assert.ok(
                        console.lines.some(
                            (line) => line.startsWith(`Environment ${ENV} ("Environment 1") cannot be served now [${code}]: `) && /kept as stored/.test(line),
                        ),
                        console.lines.join("\n"),
                    );
                });
            });

            it(`a create fails at once where the environment cannot be served [${code}], naming it, the reason code and the reason, before anything is sent to it`, async () => {
                await withEmulator(baseSeed(), async (emulator) => {
                    put(emulator, change);
                    const { users } = await configuredProviders(emulator);
                    await assert.rejects(users.create(inputs), (error: any) => {
                        assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                        assert.strictEqual(error.reasonCode, code);
                        assert.match(
                            error.message,
                            new RegExp(`^Environment ${ENV} \\("Environment 1"\\): The environment cannot be served (now )?\\[${code}\\]: \\S`),
                        );
                        assert.match(error.message, /Fix: nothing was changed there/);
                        return true;
                    });
                    assert.deepStrictEqual(calledAfter(emulator, "dataverse"), []);
                    assert.deepStrictEqual(
                        emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                        [],
                        "no addUser, no addAppUser",
                    );
                });
            });
        }

        it("a refresh keeps the stored state when the environment was disabled after this command listed it (Dataverse 403 0x8004a104)", async () => {
            await withEmulator(baseSeed(), async (emulator) => {
                const { users, id, outs } = await servedOnce(emulator);
                put(emulator, (environment) => (environment.runtimeState = "Disabled"));
                emulator.clearRequests();
                // The same process: its listing still says Enabled.
                assert.deepStrictEqual(await users.read!(id, outs), { id, props: outs });
                const dataverse = calledAfter(emulator, "dataverse");
                assert.deepStrictEqual(
                    dataverse.map((r: any) => r.status),
                    [403],
                    "one refused read, no operator handling",
                );
                assert.deepStrictEqual(
                    emulator.requests().filter((r) => r.method !== "GET"),
                    [],
                );
            });
        });

        it("a create fails at once when the environment was disabled after this update listed it, without making the operator an application user", async () => {
            await withEmulator(twoEnvironments(), async (emulator) => {
                const users = await listedByCreateInEnvironment2(emulator);
                put(emulator, (environment) => (environment.runtimeState = "Disabled"));
                emulator.clearRequests();
                await assert.rejects(users.create(inputs), (error: any) => {
                    assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV} \\("Environment 1"\\): The environment cannot be served now \\[disabled\\]: the environment is disabled`,
                        ),
                    );
                    assert.match(error.message, /currently disabled/, "Dataverse's own words");
                    assert.match(error.message, /HTTP 403 0x8004a104/);
                    return true;
                });
                assert.deepStrictEqual(
                    emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                    [],
                    "no addAppUser, no addUser",
                );
                assert.strictEqual(calledAfter(emulator, "dataverse").length, 1);
            });
        });

        it("a refresh drops the user once BAP answers 404 for its environment, with no call but BAP's", async () => {
            await withEmulator(baseSeed(), async (emulator) => {
                const { id, outs } = await (await configuredProviders(emulator)).users.create(inputs);
                assert.ok(emulator.deleteEnvironment(ENV));
                emulator.clearRequests();
                assert.deepStrictEqual(await (await configuredProviders(emulator)).users.read!(id, outs), {});
                assert.deepStrictEqual(calls(emulator), ["bap GET 200", "bap GET 404"], "the listing, then the environment itself");
            });
        });

        it("a refresh drops the user when the environment is deleted between this command's listing and the read", async () => {
            await withEmulator(baseSeed(), async (emulator) => {
                const { users, id, outs } = await servedOnce(emulator);
                assert.ok(emulator.deleteEnvironment(ENV));
                emulator.clearRequests();
                // The same process: its listing still has the environment.
                assert.deepStrictEqual(await users.read!(id, outs), {});
                assert.deepStrictEqual(calls(emulator), ["dataverse GET 404", "bap GET 404"]);
            });
        });

        it("a create says the environment was deleted when that happened after this update listed it", async () => {
            await withEmulator(twoEnvironments(), async (emulator) => {
                const users = await listedByCreateInEnvironment2(emulator);
                assert.ok(emulator.deleteEnvironment(ENV));
                await assert.rejects(users.create(inputs), (error: any) => {
                    assert.ok(isAccessError(error, "unknown-environment"), error.message);
                    assert.strictEqual(error.reasonCode, "deleted");
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV} \\("Environment 1"\\): Power Platform no longer knows this environment: it was deleted after this update listed the environments`,
                        ),
                    );
                    return true;
                });
            });
        });

        it("tells environment refusals from waits by the words too: a disabled environment's addUser refusal fails at once", async () => {
            const seed = baseSeed({ environments: [dataverseEnvironment(1, { systemUsers: [OPERATOR_APP_USER] })] } as any);
            await withEmulator(seed, async (emulator) => {
                refuseAddUser(
                    emulator,
                    400,
                    "BadRequest",
                    "The Dynamics 365 organization you are attempting to access is currently disabled. Please contact your system administrator.",
                );
                const { users } = await configuredProviders(emulator);
                await assert.rejects(users.create(inputs), (error: any) => {
                    assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                    assert.strictEqual(error.reasonCode, "disabled");
                    return true;
                });
                assert.strictEqual(requestsTo(emulator, "POST", /addUser/).length, 1, "refused once, not retried");
            });
        });
    });

    it("tells an unregistered admin application how to register", async () => {
        const seed = baseSeed({ operator: { ...OPERATOR, registeredAdminApplication: false } } as any);
        await withEmulator(seed, async (emulator) => {
            const { users } = await configuredProviders(emulator);
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "admin-application"), error.message);
                assert.match(error.message, /does not have permission to access the path/);
                assert.match(
                    error.message,
                    new RegExp(
                        `PUT ${emulator.endpoints.bap}/providers/Microsoft.BusinessAppPlatform/adminApplications/${OPERATOR.clientId}\\?api-version=2020-10-01`,
                    ),
                );
                assert.match(error.message, /pac admin application register/);
                return true;
            });
        });
    });

    it("names the keys to set when no sign-in method is configured, before calling anything", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const users = environmentUserProvider();
            await users.configure!(
                configRequest({ "azuread:useCli": "false", "d365-backup-access:endpoints": JSON.stringify({ bap: emulator.endpoints.bap }) }),
            );
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "configuration"), error.message);
                assert.match(error.message, /No sign-in method is configured/);
                assert.match(
                    error.message,
                    /azuread:clientId \+ azuread:clientSecret \+ azuread:tenantId \(or ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID\)/,
                );
                return true;
            });
            assert.deepStrictEqual(emulator.requests(), []);
        });
    });

    it("puts no secret into outputs or messages", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { users, texts } = await configuredProviders(emulator);
            const { outs } = await users.create(inputs);
            for (const text of [JSON.stringify(outs), ...texts, ...console.lines]) {
                assert.ok(!text.includes(OPERATOR.clientSecret));
            }
        });
    });
    it("says when Power Platform accepted the account but its Dataverse user never appeared, and what to raise", async () => {
        await withEmulator(baseSeed({ behaviour: { userSyncDelayMs: 60_000 } } as any), async (emulator) => {
            const { users } = await configuredProviders(emulator, { "d365-backup-access:userSyncTimeoutSeconds": "0.3" });
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "wait-timeout"), error.message);
                assert.match(
                    error.message,
                    new RegExp(`^Environment ${ENV}: Power Platform accepted the account ${ACCOUNT}, but its Dataverse user did not appear within`),
                );
                assert.match(error.message, /Fix: run `pulumi up` again .*d365-backup-access:userSyncTimeoutSeconds/);
                return true;
            });
        });
    });

    it("says the operator needs a Power Platform admin role when BAP refuses it (403)", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            refuseAddUser(emulator, 403, "Forbidden", "The caller is not authorized to perform this operation.");
            const { users } = await configuredProviders(emulator);
            await assert.rejects(users.create(inputs), (error: Error) => {
                assert.match(error.message, /The caller is not authorized/);
                assert.match(error.message, /Fix: the operator needs the Entra role Power Platform Administrator \(or Dynamics 365 Administrator\)/);
                return true;
            });
        });
    });
});
