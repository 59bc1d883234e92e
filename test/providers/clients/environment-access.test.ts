// The providers in a tenant of every kind and state (emulator/seeds/messy-tenant.json):
// what is served converges, what refuses fails at once for that environment alone with
// its own message and fix, and a licence still on its way is waited for, within bounds.

import * as assert from "assert";

import { RunningEmulator, Seed } from "../../../emulator";
import messy from "../../../emulator/seeds/messy-tenant.json";
import { addUser, getEnvironment } from "../../../providers/clients/bap";
import { clientContextFromConfig } from "../../../providers/transport/context";
import { environmentUserProvider } from "../../../providers/resources/environment-user";
import { isAccessError } from "../../../providers/transport/errors";
import { securityRoleAssignmentProvider } from "../../../providers/resources/security-role-assignment";
import { isolateProviderProcess } from "../../support/providers";
import { configRequest } from "../../support/serialized";
import { stackConfig, SYSTEM_ADMINISTRATOR, withEmulator } from "../../support/tenant";

const ACCOUNT = messy.users.find((u) => u.userPrincipalName.startsWith("backup@"))!.id;

function environmentNamed(fragment: string) {
    const environment = messy.environments.find((e) => e.displayName.includes(fragment));
    if (!environment) throw new Error(`no environment named like '${fragment}' in messy-tenant.json`);
    return environment;
}

/** The stack's configuration for the messy tenant's operator; waits short, as the emulator's delays are. */
function messyConfig(emulator: RunningEmulator, extra: Record<string, string> = {}): Record<string, string> {
    return {
        ...stackConfig(emulator, extra),
        "azuread:tenantId": messy.tenantId,
        "azuread:clientId": messy.operator.clientId,
        "azuread:clientSecret": messy.operator.clientSecret,
    };
}

/** The two resource types of one provider process (one key: one client context, as the host makes them). */
async function providers(emulator: RunningEmulator, extra: Record<string, string> = {}) {
    const key = {};
    const users = environmentUserProvider(key);
    const roles = securityRoleAssignmentProvider(key);
    const config = configRequest(messyConfig(emulator, extra));
    for (const provider of [users, roles]) await provider.configure!(config);
    return { users, roles };
}

const seed = () => structuredClone(messy) as unknown as Seed;
/** The EnvironmentUser inputs that give the account its user in an environment. */
const userIn = (environmentId: string) => ({ environmentId, userObjectId: ACCOUNT, accessMode: "read-write" });

function accountUser(emulator: RunningEmulator, environmentId: string) {
    return emulator
        .state()
        .environments!.find((e) => e.id === environmentId)!
        .systemUsers!.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT);
}

function postsTo(emulator: RunningEmulator, environmentId: string, action: string) {
    return emulator.requests().filter((r) => r.method === "POST" && r.path.includes(`/environments/${environmentId}/${action}`));
}

/**
 * addUser called directly, past the kind check the providers make before sending anything: BAP's own
 * refusal is an environment that cannot be served (reasonCode, and each of `says` in its message),
 * sent once, not waited on.
 */
async function assertAddUserRefusedAtOnce(emulator: RunningEmulator, environmentId: string, reasonCode: string, ...says: RegExp[]) {
    const ctx = await clientContextFromConfig(messyConfig(emulator), {}, { log: () => undefined });
    await assert.rejects(addUser(ctx, await getEnvironment(ctx, environmentId), ACCOUNT), (error: any) => {
        assert.ok(isAccessError(error, "environment-unavailable"), error.message);
        assert.strictEqual(error.reasonCode, reasonCode);
        for (const words of says) assert.match(error.message, words);
        return true;
    });
    assert.strictEqual(postsTo(emulator, environmentId, "addUser").length, 1);
}

describe("the providers in a tenant of every kind and state (messy-tenant.json)", function () {
    this.timeout(30_000);
    const output = isolateProviderProcess();

    for (const fragment of ["(administration mode)", "(managed)", "Trial", "(default)", "Contoso Production"]) {
        it(`serves ${fragment}: the account becomes a System Administrator user, and a refresh reads both`, async () => {
            const environment = environmentNamed(fragment);
            await withEmulator(seed(), async (emulator) => {
                const { users, roles } = await providers(emulator);
                const inputs = { environmentId: environment.id, userObjectId: ACCOUNT };
                const user = await users.create({ ...inputs, accessMode: "read-write" });
                const role = await roles.create({ ...inputs, roleTemplateId: SYSTEM_ADMINISTRATOR });
                assert.strictEqual(user.outs.environmentName, environment.displayName);
                assert.strictEqual(role.outs.origin, "granted");
                const held = accountUser(emulator, environment.id)!;
                assert.ok(held && !held.isDisabled && held.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR));
                assert.strictEqual((await users.read!(user.id, user.outs)).id, user.id);
                assert.strictEqual((await roles.read!(role.id, role.outs)).id, role.id);
            });
        });
    }

    it("a freshly provisioned organisation (403 0x80072560 for the operator's first requests) converges", async () => {
        const environment = environmentNamed("(freshly provisioned)");
        await withEmulator(seed(), async (emulator) => {
            const { users, roles } = await providers(emulator);
            const inputs = { environmentId: environment.id, userObjectId: ACCOUNT };
            await users.create({ ...inputs, accessMode: "read-write" });
            await roles.create({ ...inputs, roleTemplateId: SYSTEM_ADMINISTRATOR });
            const refused = emulator.requests().filter((r) => r.service === "dataverse" && r.environmentId === environment.id && r.status === 403);
            assert.strictEqual(refused.length, environment.callerProvisionedAfterRequests, "refused until the operator was provisioned there");
            assert.ok(accountUser(emulator, environment.id)!.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR));
        });
    });

    it("a Developer environment of someone else fails at once, for it alone: meant for its owner (named), and how to leave it out", async () => {
        const environment = environmentNamed("developer environment");
        const owner = messy.users.find((u) => u.id === environment.owner)!.userPrincipalName;
        await withEmulator(seed(), async (emulator) => {
            const { users } = await providers(emulator);
            await assert.rejects(users.create(userIn(environment.id)), (error: any) => {
                assert.ok(isAccessError(error, "developer-environment"), error.message);
                assert.ok(error.message.startsWith(`Environment ${environment.id} ("${environment.displayName}"): `), error.message);
                assert.match(error.message, new RegExp(`Developer environment, which is meant for its owner ${owner} alone`));
                assert.match(error.message, /HTTP 403 DeveloperEnvironmentOwnerOnly/);
                assert.match(error.message, new RegExp(`Fix: leave it out \\(add ${environment.id} to d365-backup-access:excludeEnvironments`));
                assert.match(error.message, new RegExp(`have its owner \\(${owner}\\) share it with the account or change its type to Sandbox or Production`));
                return true;
            });
            assert.strictEqual(postsTo(emulator, environment.id, "addUser").length, 1, "refused once: no wait, no retry");
            // The other environments are not touched by the refusal.
            const other = environmentNamed("Contoso Sandbox");
            await users.create(userIn(other.id));
            assert.ok(accountUser(emulator, other.id));
        });
    });

    it("a Teams environment fails at once: BAP's kind says so before anything is sent; addUser's refusal (UserNotInTeam) is no security-group wait", async () => {
        const environment = environmentNamed("Dataverse for Teams");
        await withEmulator(seed(), async (emulator) => {
            const { users } = await providers(emulator);
            await assert.rejects(users.create(userIn(environment.id)), (error: any) => {
                assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                assert.ok(
                    error.message.startsWith(
                        `Environment ${environment.id} ("${environment.displayName}"): The environment cannot be served [teams]: a Dataverse for Teams environment`,
                    ),
                    error.message,
                );
                return true;
            });
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.method === "POST" && r.service !== "login"),
                [],
            );

            await assertAddUserRefusedAtOnce(
                emulator,
                environment.id,
                "teams",
                /HTTP 403 UserNotInTeam/,
                /Power Platform: .*only members of its team's Microsoft 365 group/,
            );
        });
    });

    it("a disabled environment fails at once, before anything is sent; addUser's refusal (EnvironmentDisabled) is no wait either", async () => {
        const environment = environmentNamed("(disabled)");
        await withEmulator(seed(), async (emulator) => {
            const { users, roles } = await providers(emulator);
            for (const create of [
                () => users.create(userIn(environment.id)),
                () => roles.create({ environmentId: environment.id, userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR }),
            ]) {
                await assert.rejects(create(), (error: any) => {
                    assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                    assert.ok(
                        error.message.startsWith(
                            `Environment ${environment.id} ("${environment.displayName}"): The environment cannot be served now [disabled]: the environment is disabled`,
                        ),
                        error.message,
                    );
                    return true;
                });
            }
            assert.deepStrictEqual(
                emulator.requests().filter((r) => r.service === "dataverse" || (r.method === "POST" && r.service !== "login")),
                [],
            );

            await assertAddUserRefusedAtOnce(emulator, environment.id, "disabled", /HTTP 400 EnvironmentDisabled/);
        });
    });

    it("an environment whose Dataverse is still being added fails at once [provisioning]", async () => {
        const environment = environmentNamed("(Dataverse being added)");
        await withEmulator(seed(), async (emulator) => {
            const { users } = await providers(emulator);
            await assert.rejects(users.create(userIn(environment.id)), (error: any) => {
                assert.ok(isAccessError(error, "environment-unavailable"), error.message);
                assert.match(
                    error.message,
                    /\[provisioning\]: its Dataverse database is still being provisioned \(provisioningState LinkedDatabaseProvisioning\)/,
                );
                return true;
            });
        });
    });

    it("a licence still propagating (userNotLicensed) is waited for up to licenseWaitTimeoutSeconds, then fails naming the environment", async () => {
        const environment = environmentNamed("(licence still propagating)");
        await withEmulator(seed(), async (emulator) => {
            const { users } = await providers(emulator, { "d365-backup-access:licenseWaitTimeoutSeconds": "0.3" });
            await assert.rejects(users.create(userIn(environment.id)), (error: any) => {
                assert.ok(isAccessError(error, "licence"), error.message);
                assert.ok(
                    error.message.startsWith(
                        `Environment ${environment.id} ("${environment.displayName}"): Power Platform still reports the account ${ACCOUNT} as not licensed in this environment after `,
                    ),
                    error.message,
                );
                assert.match(error.message, /licenseWaitTimeoutSeconds/);
                return true;
            });
            const answers = postsTo(emulator, environment.id, "addUser").map((r) => r.status);
            assert.ok(answers.length >= 2 && answers.every((status) => status === 400), `asked again while waiting: ${answers.join(",")}`);
            assert.ok(output.lines.every((line) => !line.includes(messy.operator.clientSecret)));
        });
    });
});
