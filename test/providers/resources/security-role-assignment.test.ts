// SecurityRoleAssignment through its serialized provider, against the tenant emulator.

import * as assert from "assert";

import { startEmulator } from "../../../emulator";
import { securityRoleAssignmentProvider } from "../../../providers";
import { isAccessError } from "../../../providers/transport/errors";
import { assertPlainJson, configuredProviders, isolateProviderProcess } from "../../support/providers";
import { writesAmong } from "../../support/reads-only";
import {
    ACCOUNT,
    baseSeed,
    dataverseEnvironment,
    environmentId,
    OPERATOR,
    OPERATOR_APP_USER,
    SYSTEM_ADMINISTRATOR,
    systemUserOf,
    withEmulator,
} from "../../support/tenant";

const ENV = environmentId(1);
const SYSUSER = "5e5e5e5e-0000-4000-8000-000000000001";
const OTHER_SYSUSER = "5e5e5e5e-0000-4000-8000-000000000002";

function seedWithAccount(account: Record<string, unknown> = {}) {
    return baseSeed({
        environments: [
            dataverseEnvironment(1, {
                systemUsers: [
                    OPERATOR_APP_USER,
                    { azureActiveDirectoryObjectId: ACCOUNT, systemUserId: SYSUSER, accessMode: 0, roleNames: ["Basic User"], ...account },
                ],
            }),
        ],
    } as any);
}

const inputs = { environmentId: ENV, userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR };

// The account holds System Administrator, but the operator is no application user of the environment,
// so Dataverse refuses every call the operator makes there.
function seedWithoutOperatorAppUser() {
    return baseSeed({
        environments: [
            dataverseEnvironment(1, {
                systemUsers: [{ azureActiveDirectoryObjectId: ACCOUNT, systemUserId: SYSUSER, accessMode: 0, roleTemplateIds: [SYSTEM_ADMINISTRATOR] }],
            }),
        ],
    } as any);
}

// The state a stack holds for the assignment, written without asking the environment (which refuses the operator).
function storedAssignment(emulator: any, extra: Record<string, unknown> = {}) {
    return {
        ...inputs,
        systemUserId: SYSUSER,
        roleId: SYSUSER,
        roleName: "System Administrator",
        businessUnitId: SYSUSER,
        instanceUrl: emulator.endpoints.dataverse[ENV],
        ...extra,
    };
}

function holdsSystemAdministrator(emulator: any): boolean {
    return systemUserOf(emulator, ENV)!.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR);
}

describe("SecurityRoleAssignment provider", function () {
    this.timeout(30_000);
    const output = isolateProviderProcess();

    it("gives the user System Administrator and returns plain outputs", async () => {
        await withEmulator(seedWithAccount(), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            const { id, outs } = await roles.create(inputs);
            assert.strictEqual(id, `${ENV}/${SYSUSER}/${SYSTEM_ADMINISTRATOR}`);
            assert.strictEqual(outs.roleName, "System Administrator");
            assert.strictEqual(outs.instanceUrl, emulator.endpoints.dataverse[ENV]);
            assertPlainJson(outs);
            assert.ok(holdsSystemAdministrator(emulator));
            // Other roles are left alone.
            assert.deepStrictEqual(systemUserOf(emulator, ENV)!.roleNames, ["Basic User"]);
        });
    });

    it("adopts the role when the user already holds it", async () => {
        await withEmulator(seedWithAccount({ roleTemplateIds: [SYSTEM_ADMINISTRATOR] }), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            const { outs } = await roles.create(inputs);
            assert.strictEqual(outs.roleName, "System Administrator");
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.method === "POST" && /\$ref/.test(r.path)),
                [],
            );
        });
    });

    it("adopts the role when a parallel run associated it first (412 DuplicateRecord)", async () => {
        await withEmulator(seedWithAccount(), async (emulator) => {
            const first = await configuredProviders(emulator);
            const second = await configuredProviders(emulator);
            // Both read "not held"; the first association is held back so the second lands first.
            emulator.addFault({ service: "dataverse", method: "POST", route: "systemuserroles_association/\\$ref", delayMs: 400, count: 1 });
            const [a, b] = await Promise.all([first.roles.create(inputs), second.roles.create(inputs)]);
            assert.strictEqual(a.outs.roleId, b.outs.roleId);
            const associations = emulator.requests().filter((r) => r.method === "POST" && /\$ref/.test(r.path));
            assert.deepStrictEqual(associations.map((r) => r.status).sort(), [204, 412]);
            assert.ok(holdsSystemAdministrator(emulator));
        });
    });

    it("reads no id once the role was removed behind our back, and creating again restores it", async () => {
        await withEmulator(seedWithAccount(), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            const { id, outs } = await roles.create(inputs);
            const held = await roles.read!(id, outs);
            assert.strictEqual(held.id, id);
            assertPlainJson(held.props);

            emulator.mutate((tenant) => {
                const user = tenant.environments[0].systemUsers.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT)!;
                user.roleTemplateIds = user.roleTemplateIds.filter((t) => t !== SYSTEM_ADMINISTRATOR);
            });
            const drifted = await roles.read!(id, outs);
            assert.strictEqual(drifted.id, undefined, "refresh drops the assignment from state");

            await roles.create(inputs);
            assert.ok(holdsSystemAdministrator(emulator));
        });
    });

    it("fails a read at once where Dataverse refuses the operator: no addAppUser, no waiting, whatever D365BA_READ_ONLY says", async () => {
        const saved = process.env.D365BA_READ_ONLY;
        process.env.D365BA_READ_ONLY = "false";
        try {
            await withEmulator(seedWithoutOperatorAppUser(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                await assert.rejects(roles.read!(`${ENV}/${SYSUSER}/${SYSTEM_ADMINISTRATOR}`, storedAssignment(emulator)), (error: Error) => {
                    assert.ok(isAccessError(error, "operator-access"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(`^Environment ${ENV}: Dataverse refuses the operator's application .*, so this read-only run cannot read the environment`),
                    );
                    assert.match(error.message, /Fix: make application .* an application user of the environment/);
                    return true;
                });
                assert.deepStrictEqual(
                    emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                    [],
                );
                assert.strictEqual(emulator.requests().filter((r) => r.service === "dataverse").length, 1);
            });
        } finally {
            if (saved === undefined) delete process.env.D365BA_READ_ONLY;
            else process.env.D365BA_READ_ONLY = saved;
        }
    });

    it("refuses a disabled user before trying to associate", async () => {
        await withEmulator(seedWithAccount({ isDisabled: true }), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            await assert.rejects(roles.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "disabled-user"), error.message);
                assert.match(error.message, new RegExp(`^Environment ${ENV}: The account's Dataverse user ${SYSUSER} is disabled`));
                assert.match(error.message, /Fix: /);
                return true;
            });
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.method === "POST" && r.service === "dataverse"),
                [],
            );
        });
    });

    it("explains Dataverse's own refusal of a disabled user (0x80040225)", async () => {
        await withEmulator(seedWithAccount(), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            // Disabled between our read and our write.
            emulator.addFault({
                service: "dataverse",
                method: "POST",
                route: "\\$ref",
                status: 400,
                code: "0x80040225",
                message: `The specified user(Id = ${SYSUSER}) is disabled.`,
                count: 1,
            });
            await assert.rejects(roles.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "disabled-user"), error.message);
                assert.match(error.message, /HTTP 400 0x80040225/);
                return true;
            });
        });
    });

    it("says when the user does not exist", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            await assert.rejects(roles.create(inputs), (error: Error) => {
                assert.ok(isAccessError(error, "not-found"), error.message);
                assert.match(error.message, /create the EnvironmentUser first/);
                return true;
            });
        });
    });

    it("removes the role on delete, and treats an already-removed role, user or environment as done", async () => {
        await withEmulator(seedWithAccount(), async (emulator) => {
            const { roles } = await configuredProviders(emulator);
            const { id, outs } = await roles.create(inputs);
            await roles.delete!(id, outs);
            assert.ok(!holdsSystemAdministrator(emulator));
            assert.deepStrictEqual(systemUserOf(emulator, ENV)!.roleNames, ["Basic User"], "other roles stay");
            await roles.delete!(id, outs);
            emulator.mutate((tenant) => (tenant.environments = []));
            // A later command (`pulumi destroy`): a new provider process, which lists environments afresh.
            await (
                await configuredProviders(emulator)
            ).roles.delete!(id, outs);
        });
    });
    it("a delete where Dataverse refuses the operator fails at once with the manual fix: it never makes the operator an application user", async () => {
        // The operator is no application user of the environment; the role was granted by the stack.
        await withEmulator(seedWithoutOperatorAppUser(), async (emulator) => {
            const { roles } = await configuredProviders(emulator, { "d365-backup-access:addOperatorAppUser": "true" });
            await assert.rejects(
                roles.delete!(`${ENV}/${SYSUSER}/${SYSTEM_ADMINISTRATOR}`, storedAssignment(emulator, { origin: "granted" })),
                (error: Error) => {
                    assert.ok(isAccessError(error, "operator-access"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV}: Dataverse refuses the operator's application .*, so the access this stack gave in this environment cannot be given back`,
                        ),
                    );
                    assert.match(error.message, /Fix: make application .* an application user of the environment .*addAppUser\?api-version=2020-10-01/);
                    assert.match(error.message, /Removing access never does this itself/);
                    return true;
                },
            );
            assert.deepStrictEqual(
                emulator.requests().filter((r) => /addAppUser|addUser/.test(r.path)),
                [],
                "no addAppUser",
            );
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.service === "dataverse" && /WhoAmI/.test(r.path)),
                [],
                "no waiting",
            );
            assert.ok(!systemUserOf(emulator, ENV, OPERATOR.objectId), "the operator was not made an application user");
            assert.ok(holdsSystemAdministrator(emulator), "nothing removed: the delete failed");
        });
    });

    describe("environments that cannot be served now, and environments that go", () => {
        const put = (emulator: any, change: (environment: any) => void) =>
            emulator.mutate((tenant: any) => change(tenant.environments.find((e: any) => e.id === ENV)));
        const calls = (emulator: any) =>
            emulator
                .requests()
                .filter((r: any) => r.service !== "login")
                .map((r: any) => `${r.service} ${r.method} ${r.status}`);

        it("a refresh keeps the stored assignment where the environment is listed but cannot be served now, and calls nothing there", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { id, outs } = await (await configuredProviders(emulator)).roles.create(inputs);
                put(emulator, (environment) => (environment.instanceState = "NotReady"));
                emulator.clearRequests();
                // `pulumi refresh`: a new provider process.
                assert.deepStrictEqual(await (await configuredProviders(emulator)).roles.read!(id, outs), { id, props: outs });
                assert.deepStrictEqual(calls(emulator), ["bap GET 200"], "the listing only");
                assert.ok(
                    output.lines.some((line) => line.startsWith(`Environment ${ENV} ("Environment 1") cannot be served now [not-ready]: `)),
                    output.lines.join("\n"),
                );
            });
        });

        it("a create fails at once where the environment cannot be served, naming it, the reason code and the reason", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                put(emulator, (environment) => (environment.runtimeState = "Disabled"));
                await assert.rejects((await configuredProviders(emulator)).roles.create(inputs), (error: any) => {
                    assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV} \\("Environment 1"\\): The environment cannot be served now \\[disabled\\]: the environment is disabled`,
                        ),
                    );
                    return true;
                });
                assert.deepStrictEqual(calls(emulator), ["bap GET 200"]);
            });
        });

        it("a delete where the environment cannot be served fails at once, saying nothing was given back and what to do", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { id, outs } = await (await configuredProviders(emulator)).roles.create(inputs);
                put(emulator, (environment) => (environment.runtimeState = "Disabled"));
                emulator.clearRequests();
                await assert.rejects((await configuredProviders(emulator)).roles.delete!(id, outs), (error: any) => {
                    assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                    assert.match(
                        error.message,
                        new RegExp(
                            `^Environment ${ENV} \\("Environment 1"\\): The access this stack gave in this environment cannot be given back now \\[disabled\\]`,
                        ),
                    );
                    assert.match(
                        error.message,
                        /Fix: nothing was changed there\. Run the command again once the environment can be served.*pulumi state delete/,
                    );
                    return true;
                });
                assert.deepStrictEqual(calls(emulator), ["bap GET 200"]);
                assert.ok(holdsSystemAdministrator(emulator), "still held");
            });
        });

        it("a refresh drops the assignment and a delete succeeds once BAP answers 404, with no call but BAP's", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { id, outs } = await (await configuredProviders(emulator)).roles.create(inputs);
                assert.ok(emulator.deleteEnvironment(ENV));
                emulator.clearRequests();
                assert.deepStrictEqual(await (await configuredProviders(emulator)).roles.read!(id, outs), {});
                assert.deepStrictEqual(calls(emulator), ["bap GET 200", "bap GET 404"]);
                emulator.clearRequests();
                await (
                    await configuredProviders(emulator)
                ).roles.delete!(id, outs);
                assert.deepStrictEqual(calls(emulator), ["bap GET 200", "bap GET 404"]);
            });
        });

        it("a refresh drops the assignment and a delete succeeds when the environment goes between this command's listing and the call", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                assert.strictEqual((await roles.read!(id, outs)).id, id, "the refresh's context has listed it");
                assert.ok(emulator.deleteEnvironment(ENV));
                emulator.clearRequests();
                assert.deepStrictEqual(await roles.read!(id, outs), {});
                assert.deepStrictEqual(calls(emulator), ["dataverse GET 404"], "the deleted organisation's 404 for the user: gone");
            });
            // The delete's own listing still has the environment; it goes right after that answer.
            let armed = false;
            const emulator = await startEmulator(seedWithAccount(), {
                warn: () => undefined,
                onRequest: (entry) => {
                    if (armed && entry.service === "bap" && entry.method === "GET") armed = !emulator.deleteEnvironment(ENV);
                },
            });
            try {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                emulator.clearRequests();
                armed = true;
                await roles.delete!(id, outs);
                assert.strictEqual(armed, false, "deleted right after the listing");
                assert.deepStrictEqual(calls(emulator), ["bap GET 200", "dataverse GET 404"]);
            } finally {
                await emulator.stop();
            }
        });
    });

    describe("gives back only what it granted", () => {
        it("records the origin: granted when it associated the role, adopted when the user held it", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { outs } = await (await configuredProviders(emulator)).roles.create(inputs);
                assert.strictEqual(outs.origin, "granted");
            });
            await withEmulator(seedWithAccount({ roleTemplateIds: [SYSTEM_ADMINISTRATOR] }), async (emulator) => {
                const { outs } = await (await configuredProviders(emulator)).roles.create(inputs);
                assert.strictEqual(outs.origin, "adopted");
            });
        });

        it("with grantedByEarlierAttempt, a role found held counts as granted (an interrupted update gave it), and delete gives it back", async () => {
            await withEmulator(seedWithAccount({ roleTemplateIds: [SYSTEM_ADMINISTRATOR] }), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create({ ...inputs, grantedByEarlierAttempt: true });
                assert.strictEqual(outs.origin, "granted");
                assert.strictEqual(outs.grantedByEarlierAttempt, undefined, "a create hint, not an output");
                assert.deepStrictEqual(
                    emulator.requests().filter((r) => r.method === "POST" && /\$ref/.test(r.path)),
                    [],
                    "nothing associated: it is held",
                );
                assert.ok(
                    output.lines.some((line) => /which an interrupted update of this stack was giving; recording it as granted/.test(line)),
                    output.lines.join("\n"),
                );
                await roles.delete!(id, outs);
                assert.ok(!holdsSystemAdministrator(emulator), "the stack's own: given back");
            });
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { outs } = await (await configuredProviders(emulator)).roles.create({ ...inputs, grantedByEarlierAttempt: true });
                assert.strictEqual(outs.origin, "granted", "not held: associated as usual");
                assert.ok(holdsSystemAdministrator(emulator));
            });
        });

        it("leaves an adopted role, and one whose state records no origin, in place on delete, without a write", async () => {
            await withEmulator(seedWithAccount({ roleTemplateIds: [SYSTEM_ADMINISTRATOR] }), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                await roles.delete!(id, outs);
                const { origin: _none, ...older } = outs;
                await roles.delete!(id, older);
                assert.ok(holdsSystemAdministrator(emulator), "held before the stack: left as found");
                assert.deepStrictEqual(
                    emulator.requests().filter((r) => r.method === "DELETE"),
                    [],
                );
                assert.ok(
                    output.lines.some((line) => /is left in place: the account held it before this stack \(adopted\)/.test(line)),
                    output.lines.join("\n"),
                );
                assert.ok(
                    output.lines.some((line) => /does not record that it granted it/.test(line)),
                    output.lines.join("\n"),
                );
            });
        });

        it("removes only the copy it associated, in its business unit: a copy in another business unit is untouched", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                assert.strictEqual(outs.origin, "granted", "associated the root business unit's copy");
                // Meanwhile someone gives the account the child business unit's copy of the same role.
                emulator.mutate((tenant: any) => {
                    tenant.environments[0].systemUsers.find((u: any) => u.systemUserId === SYSUSER).childUnitRoleTemplateIds = [SYSTEM_ADMINISTRATOR];
                });
                emulator.clearRequests();
                await roles.delete!(id, outs);
                const user = systemUserOf(emulator, ENV)!;
                assert.deepStrictEqual([user.roleTemplateIds, user.childUnitRoleTemplateIds], [[], [SYSTEM_ADMINISTRATOR]], "only the copy it associated went");
                const deletes = emulator.requests().filter((r) => r.method === "DELETE");
                assert.deepStrictEqual(
                    deletes.map((r) => r.path.includes(outs.roleId)),
                    [true],
                    "one disassociation, of the recorded role id",
                );
            });
        });

        it("a granted role reads as gone once the copy it associated is gone, even if another copy is held", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                emulator.mutate((tenant: any) => {
                    const user = tenant.environments[0].systemUsers.find((u: any) => u.systemUserId === SYSUSER);
                    user.roleTemplateIds = [];
                    user.childUnitRoleTemplateIds = [SYSTEM_ADMINISTRATOR];
                });
                assert.deepStrictEqual(await roles.read!(id, outs), {});
            });
        });
    });

    describe("state written by 0.1.0 (the user named by systemuser id only)", () => {
        const written010 = (outs: Record<string, unknown>) => {
            const { userObjectId: _none, ...stored } = outs;
            return stored;
        };

        it("keeps the assignment after one read that confirms the user is the account's", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { outs } = await roles.create(inputs);
                emulator.clearRequests();
                const updated = await roles.update!("id", written010(outs), inputs);
                assert.deepStrictEqual(updated.outs, outs);
                const calls = emulator.requests().filter((r) => r.service !== "login");
                assert.deepStrictEqual(
                    calls.map((r) => `${r.method} ${r.service}`),
                    ["GET dataverse"],
                    "one read of the user, nothing written",
                );
            });
        });

        it("moves the role when the stored user is no longer the account's", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { outs } = await roles.create(inputs);
                const stale = { ...written010(outs), systemUserId: OTHER_SYSUSER };
                const updated = await roles.update!("id", stale, inputs);
                assert.strictEqual(updated.outs!.systemUserId, SYSUSER);
                assert.ok(holdsSystemAdministrator(emulator));
            });
        });

        it("reads it without inventing a userObjectId", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                const read = await roles.read!(id, written010(outs));
                assert.strictEqual(read.id, id);
                assert.strictEqual(read.props!.userObjectId, undefined);
                assert.strictEqual(read.props!.systemUserId, SYSUSER);
            });
        });
    });

    describe("with an access mode: the account's whole access to the environment, user and role in one resource", () => {
        const withAccessMode = { ...inputs, accessMode: "read-write" };

        it("adds the account as a user, waits for the sync, sets Read-Write and gives System Administrator in one create", async () => {
            await withEmulator(baseSeed({ behaviour: { userSyncDelayMs: 150 } } as any), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(withAccessMode);
                const user = systemUserOf(emulator, ENV)!;
                assert.strictEqual(id, `${ENV}/${user.systemUserId}/${SYSTEM_ADMINISTRATOR}`);
                assert.strictEqual(user.accessMode, 0, "Read-Write");
                assert.ok(holdsSystemAdministrator(emulator));
                assert.strictEqual(emulator.requests().filter((r) => r.method === "POST" && /addUser/.test(r.path)).length, 1);
                assert.strictEqual(outs.accessMode, "read-write");
                assert.strictEqual(outs.enabled, true);
                assert.strictEqual(outs.environmentName, "Environment 1");
                assert.strictEqual(outs.systemUserId, user.systemUserId);
                assert.strictEqual(outs.origin, "granted");
                assertPlainJson(outs);
            });
        });

        it("adopts a user that is there, converging its access mode to Read-Write before the role", async () => {
            await withEmulator(seedWithAccount({ accessMode: 1 }), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { outs } = await roles.create(withAccessMode);
                assert.strictEqual(systemUserOf(emulator, ENV)!.accessMode, 0);
                assert.strictEqual(outs.accessMode, "read-write");
                assert.strictEqual(emulator.requests().filter((r) => /addUser/.test(r.path)).length, 0);
                assert.ok(holdsSystemAdministrator(emulator));
            });
        });

        it("gives back only the role on delete: the user stays, in the Read-Write access mode create set", async () => {
            await withEmulator(seedWithAccount({ accessMode: 1 }), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(withAccessMode);
                emulator.clearRequests();
                await roles.delete!(id, outs);
                assert.ok(!holdsSystemAdministrator(emulator), "the role the stack granted is removed");
                const user = systemUserOf(emulator, ENV)!;
                assert.ok(user, "the user stays");
                assert.strictEqual(user.accessMode, 0, "not moved back to Administrative");
                assert.deepStrictEqual(
                    writesAmong(emulator.requests()).map((r) => r.method),
                    ["DELETE"],
                    "one write: the role's association",
                );
            });
        });

        it("a refresh reports another access mode and a disabled user; diff asks for an update, which restores both", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(withAccessMode);
                emulator.mutate((tenant) => {
                    const user = tenant.environments[0].systemUsers.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT)!;
                    user.accessMode = 1;
                    user.isDisabled = true;
                });
                const read = await roles.read!(id, outs);
                assert.strictEqual(read.props!.accessMode, "administrative");
                assert.strictEqual(read.props!.enabled, false);
                const diff = await roles.diff!(id, read.props!, withAccessMode);
                assert.strictEqual(diff.changes, true);
                assert.deepStrictEqual(diff.replaces, []);
                const updated = await roles.update!(id, read.props!, withAccessMode);
                const user = systemUserOf(emulator, ENV)!;
                assert.strictEqual(user.accessMode, 0);
                assert.strictEqual(user.isDisabled, false);
                assert.strictEqual(updated.outs!.accessMode, "read-write");
                assert.strictEqual(updated.outs!.enabled, true);
                assert.strictEqual(updated.outs!.origin, "granted", "the role's origin is kept");
                assert.strictEqual((await roles.diff!(id, updated.outs!, withAccessMode)).changes, false);
            });
        });

        it("takes over the user part of a role written beside an EnvironmentUser: one update that only reads, the origin kept", async () => {
            await withEmulator(seedWithAccount({ roleTemplateIds: [SYSTEM_ADMINISTRATOR] }), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const stored = { ...storedAssignment(emulator), origin: "granted", roleId: (await roles.create(inputs)).outs.roleId };
                const id = `${ENV}/${SYSUSER}/${SYSTEM_ADMINISTRATOR}`;
                assert.strictEqual((await roles.diff!(id, stored, inputs)).changes, false, "the old shape registered as before: nothing to do");
                const diff = await roles.diff!(id, stored, withAccessMode);
                assert.strictEqual(diff.changes, true);
                assert.deepStrictEqual(diff.replaces, []);
                emulator.clearRequests();
                const updated = await roles.update!(id, stored, withAccessMode);
                assert.deepStrictEqual(
                    emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                    [],
                    "nothing written: the user is there with Read-Write",
                );
                assert.strictEqual(updated.outs!.origin, "granted");
                assert.strictEqual(updated.outs!.accessMode, "read-write");
                assert.strictEqual(updated.outs!.roleId, stored.roleId);
            });
        });

        it("reads an assignment stored without an access mode as before: no user part appears, so a refresh shows no drift", async () => {
            await withEmulator(seedWithAccount(), async (emulator) => {
                const { roles } = await configuredProviders(emulator);
                const { id, outs } = await roles.create(inputs);
                const read = await roles.read!(id, outs);
                assert.strictEqual(read.props!.accessMode, undefined);
                assert.strictEqual(read.props!.enabled, undefined);
            });
        });

        it("refuses an access mode that names none, before anything is sent", async () => {
            const checked = await securityRoleAssignmentProvider().check!({}, { ...inputs, accessMode: "everything" });
            assert.deepStrictEqual(
                checked.failures?.map((f) => f.property),
                ["accessMode"],
            );
            assert.match(checked.failures![0].reason, /accessMode must be one of .*read-write.*; got "everything"\./);
        });
    });
});
