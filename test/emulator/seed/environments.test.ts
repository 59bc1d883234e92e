// Every kind and state of environment the emulator models (emulator/README.md,
// "Environment kinds and states"), each answered the way the service does: the BAP
// fields, the Dataverse refusals, addUser by kind, deletion, and seed validation.
import { strict as assert } from "assert";
import { RunningEmulator, Seed, SeedError, validateSeed } from "../../../emulator";
import messy from "../../../emulator/seeds/messy-tenant.json";
import { BAP_ENVIRONMENTS, dataverseAudience, dataverseUrl, DEMO, demoSeed, POWER_APPS, request, start, token } from "../../support/emulator";

const API = "api-version=2023-06-01";
const MESSY = messy as Seed;
const envNamed = (fragment: string): string => {
    const env = MESSY.environments!.find((e) => e.displayName.includes(fragment));
    if (!env) throw new Error(`no environment named like '${fragment}' in messy-tenant.json`);
    return env.id;
};
const userNamed = (upnPrefix: string): string => MESSY.users!.find((u) => u.userPrincipalName.startsWith(`${upnPrefix}@`))!.id;

const ENV = {
    production: envNamed("Contoso Production"),
    sandbox: envNamed("Contoso Sandbox"),
    adminMode: envNamed("administration mode"),
    managed: envNamed("managed"),
    teams: envNamed("Dataverse for Teams"),
    developer: envNamed("developer environment"),
    trial: envNamed("Trial"),
    default: envNamed("(default)"),
    provisioning: envNamed("being added"),
    disabled: envNamed("disabled"),
    noDataverse: envNamed("no Dataverse"),
    deletedLater: envNamed("deleted after"),
    fresh: envNamed("freshly provisioned"),
    licencePropagating: envNamed("licence still propagating"),
    createdLater: envNamed("created later"),
};
const BACKUP = userNamed("backup");
const ADMIN = userNamed("admin");
const DEV_OWNER = userNamed("dana");
const TEAMMATE = userNamed("tom");

function problemsOf(seed: unknown): string[] {
    try {
        validateSeed(seed);
        return [];
    } catch (err) {
        if (err instanceof SeedError) return err.problems;
        throw err;
    }
}

/** The demo seed with its first environment changed. */
function withFirstEnvironment(change: Record<string, unknown>, more?: (seed: Seed) => void): Seed {
    return demoSeed((s) => {
        Object.assign(s.environments![0], change);
        more?.(s);
    });
}

function addUser(emulator: RunningEmulator, bap: string, env: string, objectId: string) {
    return request("POST", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${env}/addUser?${API}`, { token: bap, body: { objectId } });
}

async function whoAmI(emulator: RunningEmulator, env: string, dvToken?: string) {
    const bearer = dvToken ?? (await token(emulator, dataverseAudience(emulator, env)));
    return request("GET", `${dataverseUrl(emulator, env)}api/data/v9.2/WhoAmI`, { token: bearer });
}

describe("emulator environment kinds and states", () => {
    describe("seed", () => {
        it("messy-tenant.json is valid and holds an environment of every kind and state", () => {
            const state = validateSeed(messy);
            assert.ok(state.environments.length >= 12, `${state.environments.length} environments`);
            const has = (what: string, test: (e: (typeof state.environments)[number]) => boolean) =>
                assert.ok(state.environments.some(test), `no ${what} environment`);
            for (const sku of ["Production", "Sandbox", "Trial", "Developer", "Default", "Teams"]) has(sku, (e) => e.sku === sku);
            has("Sandbox in administration mode", (e) => e.sku === "Sandbox" && e.runtimeState === "AdminMode");
            has("managed Production", (e) => e.sku === "Production" && e.managed);
            has("Developer owned by someone other than the backup account", (e) => e.sku === "Developer" && e.owner !== undefined && e.owner !== BACKUP);
            has("Dataverse still being provisioned", (e) => e.dataverse && e.provisioningState === "LinkedDatabaseProvisioning");
            has("disabled", (e) => e.runtimeState === "Disabled");
            has("no Dataverse", (e) => !e.dataverse);
            has("deleted after some requests", (e) => e.deleteAfterRequests !== null);
            has("freshly provisioned", (e) => e.callerProvisionedAfterRequests > 0);
            has("licence still propagating", (e) => e.licensePropagationDelayMs !== null);
            has("created later", (e) => e.createAfterRequests !== null);
        });

        it("fills in defaults that leave an environment as it was: Enabled, Succeeded, Ready, unmanaged, never deleted", () => {
            const env = validateSeed(demoSeed()).environments[0];
            assert.deepEqual(
                [
                    env.runtimeState,
                    env.provisioningState,
                    env.managementState,
                    env.instanceState,
                    env.managed,
                    env.owner,
                    env.deleteAfterRequests,
                    env.callerProvisionedAfterRequests,
                    env.licensePropagationDelayMs,
                ],
                ["Enabled", "Succeeded", "Ready", "Ready", false, undefined, null, 0, null],
            );
        });

        it("reads the older adminMode flag as runtimeState AdminMode", () => {
            assert.equal(validateSeed(withFirstEnvironment({ adminMode: true })).environments[0].runtimeState, "AdminMode");
            assert.equal(validateSeed(withFirstEnvironment({ adminMode: true, runtimeState: "AdminMode" })).environments[0].runtimeState, "AdminMode");
        });

        it("names the field, the value and what is expected for each bad kind or state", () => {
            const cases: Array<[Record<string, unknown>, RegExp]> = [
                [{ runtimeState: "Paused" }, /environments\[0\]\.runtimeState: "Paused" — expected one of Enabled, AdminMode, Disabled/],
                [{ provisioningState: "Done" }, /environments\[0\]\.provisioningState: "Done" — expected one of Succeeded, /],
                [{ managementState: "Busy" }, /environments\[0\]\.managementState: "Busy" — expected one of Ready, /],
                [{ instanceState: "Up" }, /environments\[0\]\.instanceState: "Up" — expected one of Ready, NotReady/],
                [{ managed: "yes" }, /environments\[0\]\.managed: "yes" — expected true or false/],
                [
                    { adminMode: true, runtimeState: "Disabled" },
                    /environments\[0\]\.adminMode: true — expected no adminMode, or one that agrees with runtimeState "Disabled"/,
                ],
                [
                    { sku: "Trial", runtimeState: "AdminMode" },
                    /environments\[0\]\.runtimeState: "AdminMode" — expected Enabled or Disabled: administration mode exists for Sandbox and Production environments only, and this one is Trial/,
                ],
                [
                    { owner: DEMO.backupUser },
                    /environments\[0\]\.owner: "[0-9a-f-]+" — expected no owner: only a Developer environment has one, and this one is Production/,
                ],
                [{ sku: "Developer", owner: DEMO.operator.objectId }, /environments\[0\]\.owner: "[0-9a-f-]+" — expected the id of a user in seed\.users/],
                [
                    { sku: "Developer", securityGroupId: DEMO.salesGroup },
                    /environments\[0\]\.securityGroupId: "[0-9a-f-]+" — expected no security group: a Developer environment cannot be restricted by one/,
                ],
                [{ sku: "Teams" }, /environments\[0\]\.securityGroupId: missing — expected the id of the team's Microsoft 365 group/],
                [{ deleteAfterRequests: 0 }, /environments\[0\]\.deleteAfterRequests: 0 — expected an integer >= 1/],
                [
                    { createAfterRequests: 10, deleteAfterRequests: 10 },
                    /environments\[0\]\.deleteAfterRequests: 10 — expected a number of requests greater than createAfterRequests \(10\)/,
                ],
                [{ callerProvisionedAfterRequests: -1 }, /environments\[0\]\.callerProvisionedAfterRequests: -1 — expected an integer >= 0/],
                [
                    { dataverse: false, systemUsers: [], instanceState: "NotReady" },
                    /environments\[0\]\.instanceState: "NotReady" — expected nothing: the environment has no Dataverse/,
                ],
                [
                    { dataverse: false, systemUsers: [], provisioningState: "LinkedDatabaseProvisioning" },
                    /environments\[0\]\.provisioningState: "LinkedDatabaseProvisioning" — expected dataverse: true as well/,
                ],
            ];
            for (const [change, expected] of cases) {
                const problems = problemsOf(withFirstEnvironment(change));
                assert.ok(
                    problems.some((p) => expected.test(p)),
                    `${JSON.stringify(change)}: ${JSON.stringify(problems)}`,
                );
            }
        });
    });

    describe("a tenant of every kind and state", () => {
        let emulator: RunningEmulator;
        let bap: string;
        const environment = async (id: string) => (await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${id}?${API}`, { token: bap })).body;
        before(async () => {
            ({ emulator } = await start(structuredClone(MESSY)));
            bap = await token(emulator, POWER_APPS);
        });
        after(() => emulator.stop());

        it("BAP tells the kinds and states apart with the service's fields", async () => {
            const list = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?${API}`, { token: bap });
            const byId = new Map<string, { properties: Record<string, any> }>(list.body.value.map((e: { name: string }) => [e.name, e]));
            const p = (id: string) => byId.get(id)!.properties;
            assert.equal(byId.size, MESSY.environments!.length - 1, "all but the one created later");
            assert.ok(!byId.has(ENV.createdLater));
            assert.equal(p(ENV.teams).environmentSku, "Teams");
            assert.equal(p(ENV.trial).environmentSku, "Trial");
            assert.deepEqual([p(ENV.default).environmentSku, p(ENV.default).isDefault], ["Default", true]);
            assert.deepEqual([p(ENV.developer).environmentSku, p(ENV.developer).usedBy.id, p(ENV.developer).usedBy.type], ["Developer", DEV_OWNER, "User"]);
            assert.deepEqual([p(ENV.adminMode).states.runtime.id, p(ENV.adminMode).states.runtime.runtimeReasonCode], ["AdminMode", "AdminMode"]);
            assert.equal(p(ENV.disabled).states.runtime.id, "Disabled");
            assert.equal(p(ENV.managed).governanceConfiguration.protectionLevel, "Standard");
            assert.equal(p(ENV.production).governanceConfiguration.protectionLevel, "Basic");
            const provisioning = p(ENV.provisioning);
            assert.deepEqual(
                [
                    provisioning.provisioningState,
                    provisioning.states.management.id,
                    provisioning.linkedEnvironmentMetadata.instanceUrl,
                    provisioning.linkedEnvironmentMetadata.instanceState,
                ],
                ["LinkedDatabaseProvisioning", "Running", "", "NotReady"],
            );
            assert.equal(p(ENV.noDataverse).linkedEnvironmentMetadata, null);
            assert.equal(p(ENV.production).linkedEnvironmentMetadata.instanceUrl, dataverseUrl(emulator, ENV.production));
        });

        it("Dataverse for Teams: the Web API refuses direct access; addUser admits the team's members only", async () => {
            const res = await whoAmI(emulator, ENV.teams);
            assert.equal(res.status, 403);
            assert.match(res.body.error.message, /is only allowed to be accessed from OData endpoint in Dataverse for Teams offering/);
            assert.equal((await addUser(emulator, bap, ENV.teams, TEAMMATE)).status, 200);
            for (const outsider of [ADMIN, BACKUP]) {
                const refused = await addUser(emulator, bap, ENV.teams, outsider);
                assert.deepEqual([refused.status, refused.body.error.code], [403, "UserNotInTeam"], outsider);
            }
        });

        it("a disabled environment's Dataverse says so; addUser is refused", async () => {
            const res = await whoAmI(emulator, ENV.disabled);
            assert.equal(res.status, 403);
            assert.match(res.body.error.message, /^The Dynamics 365 organization you are attempting to access is currently disabled/);
            const refused = await addUser(emulator, bap, ENV.disabled, BACKUP);
            assert.deepEqual([refused.status, refused.body.error.code], [400, "EnvironmentDisabled"]);
        });

        it("a Developer environment admits its owner only", async () => {
            assert.equal((await addUser(emulator, bap, ENV.developer, DEV_OWNER)).status, 200);
            const refused = await addUser(emulator, bap, ENV.developer, BACKUP);
            assert.deepEqual([refused.status, refused.body.error.code], [403, "DeveloperEnvironmentOwnerOnly"]);
            assert.match(refused.body.error.message, new RegExp(`intended for use by only its owner '${DEV_OWNER}'`));
        });

        it("a Trial environment adds nobody by itself, and addUser works there", async () => {
            const dv = await token(emulator, dataverseAudience(emulator, ENV.trial));
            const users = () =>
                request(
                    "GET",
                    `${dataverseUrl(emulator, ENV.trial)}api/data/v9.2/systemusers?$filter=azureactivedirectoryobjectid eq ${BACKUP}&$select=systemuserid`,
                    { token: dv },
                );
            assert.deepEqual((await users()).body.value, []);
            assert.equal((await addUser(emulator, bap, ENV.trial, BACKUP)).status, 200);
            assert.equal((await users()).body.value.length, 1);
        });

        it("addUser answers userNotLicensed while the licence has not reached that environment, and works elsewhere", async () => {
            const refused = await addUser(emulator, bap, ENV.licencePropagating, BACKUP);
            assert.deepEqual([refused.status, refused.body.error.code], [400, "userNotLicensed"]);
            assert.equal((await addUser(emulator, bap, ENV.production, BACKUP)).status, 200);
        });

        it("a freshly provisioned organisation refuses the caller (403) until it is provisioned there", async () => {
            const dv = await token(emulator, dataverseAudience(emulator, ENV.fresh));
            const seeded = MESSY.environments!.find((e) => e.id === ENV.fresh)!.callerProvisionedAfterRequests!;
            for (let i = 0; i < seeded; i++) {
                const refused = await whoAmI(emulator, ENV.fresh, dv);
                assert.deepEqual([refused.status, refused.body.error.code], [403, "0x80072560"], `request ${i + 1}`);
            }
            assert.equal((await whoAmI(emulator, ENV.fresh, dv)).status, 200);
        });

        it("an environment whose Dataverse is still being provisioned has no Web API until it is ready, then is like any other", async () => {
            const dv = await token(emulator, dataverseAudience(emulator, ENV.provisioning));
            assert.equal((await whoAmI(emulator, ENV.provisioning, dv)).status, 503);
            const refused = await addUser(emulator, bap, ENV.provisioning, BACKUP);
            assert.deepEqual([refused.status, refused.body.error.code], [400, "EnvironmentHasNoDatabase"]);
            emulator.mutate((t) =>
                Object.assign(
                    t.environments.find((e) => e.id === ENV.provisioning)!,
                    { provisioningState: "Succeeded", instanceState: "Ready", managementState: "Ready" },
                ),
            );
            assert.equal((await environment(ENV.provisioning)).properties.linkedEnvironmentMetadata.instanceUrl, dataverseUrl(emulator, ENV.provisioning));
            assert.equal((await whoAmI(emulator, ENV.provisioning, dv)).status, 200);
        });

        it("administration mode still admits the operator, an application user", async () => {
            assert.equal((await whoAmI(emulator, ENV.adminMode)).status, 200);
            assert.equal((await whoAmI(emulator, ENV.managed)).status, 200);
        });
    });

    describe("an instance that is not ready", () => {
        it("BAP gives its URL with instanceState NotReady; its Web API answers 503 until it is ready", async () => {
            const { emulator } = await start(withFirstEnvironment({ instanceState: "NotReady" }));
            try {
                const bap = await token(emulator, POWER_APPS);
                const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.plainEnv}?${API}`, { token: bap });
                const meta = res.body.properties.linkedEnvironmentMetadata;
                assert.deepEqual([meta.instanceUrl, meta.instanceState], [dataverseUrl(emulator, DEMO.plainEnv), "NotReady"]);
                const refused = await whoAmI(emulator, DEMO.plainEnv);
                assert.deepEqual([refused.status, refused.body.error.code], [503, "0x80040216"]);
                assert.match(refused.body.error.message, /is not ready \(instance state NotReady\)/);
                emulator.mutate((t) => (t.environments[0].instanceState = "Ready"));
                assert.equal((await whoAmI(emulator, DEMO.plainEnv)).status, 200);
            } finally {
                await emulator.stop();
            }
        });
    });

    describe("administration mode", () => {
        const PASSWORD = "user-password-emulator-only";
        async function userToken(emulator: RunningEmulator, upn: string, resource: string): Promise<string> {
            const res = await request("POST", `${emulator.endpoints.login}/${DEMO.tenantId}/oauth2/v2.0/token`, {
                headers: { "Content-Type": "application/x-www-form-urlencoded" },
                body: new URLSearchParams({
                    grant_type: "password",
                    client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                    username: upn,
                    password: PASSWORD,
                    scope: `${resource}/.default`,
                }).toString(),
            });
            assert.equal(res.status, 200, res.text);
            return res.body.access_token;
        }

        it("admits System Administrators and System Customizers only; others are refused, and admitted again once the mode ends", async () => {
            const seed = withFirstEnvironment({ runtimeState: "AdminMode" }, (s) => {
                for (const u of s.users!) u.password = PASSWORD;
                s.environments![0].systemUsers!.push({ azureActiveDirectoryObjectId: DEMO.backupUser, roleNames: ["Environment Maker"] });
            });
            const { emulator } = await start(seed);
            try {
                const audience = dataverseAudience(emulator, DEMO.plainEnv);
                const [admin, backup] = [seed.users![1].userPrincipalName, seed.users![0].userPrincipalName];
                assert.equal((await whoAmI(emulator, DEMO.plainEnv, await userToken(emulator, admin, audience))).status, 200, "System Administrator");
                const refused = await whoAmI(emulator, DEMO.plainEnv, await userToken(emulator, backup, audience));
                assert.equal(refused.status, 403);
                assert.match(refused.body.error.message, /administration mode: only users with the System Administrator or System Customizer security role/);
                emulator.mutate((t) =>
                    t.environments[0].systemUsers
                        .find((u) => u.azureActiveDirectoryObjectId === DEMO.backupUser)!
                        .roleTemplateIds.push("119f245c-3cc8-4b62-b31c-d1a046ced15d"),
                );
                assert.equal((await whoAmI(emulator, DEMO.plainEnv, await userToken(emulator, backup, audience))).status, 200, "System Customizer");
                emulator.mutate((t) => {
                    t.environments[0].runtimeState = "Enabled";
                    t.environments[0].systemUsers.find((u) => u.azureActiveDirectoryObjectId === DEMO.backupUser)!.roleTemplateIds = [];
                });
                assert.equal((await whoAmI(emulator, DEMO.plainEnv, await userToken(emulator, backup, audience))).status, 200, "mode ended");
            } finally {
                await emulator.stop();
            }
        });
    });

    describe("deletion", () => {
        it("an environment deleted through the inspection call: BAP answers 404 and no longer lists it, its Dataverse host refuses", async () => {
            const { emulator } = await start();
            try {
                const bap = await token(emulator, POWER_APPS);
                const dv = await token(emulator, dataverseAudience(emulator, DEMO.restrictedEnv));
                assert.equal((await whoAmI(emulator, DEMO.restrictedEnv, dv)).status, 200);
                const deleted = await request("DELETE", `${emulator.endpoints.bap}/_emulator/environments/${DEMO.restrictedEnv}`);
                assert.equal(deleted.status, 204);
                assert.equal((await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.restrictedEnv}?${API}`, { token: bap })).status, 404);
                const list = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?${API}`, { token: bap });
                assert.deepEqual(
                    list.body.value.map((e: { name: string }) => e.name),
                    [DEMO.plainEnv, DEMO.administrativeEnv, DEMO.teamsEnv, DEMO.provisioningEnv],
                );
                const refused = await whoAmI(emulator, DEMO.restrictedEnv, dv);
                assert.equal(refused.status, 404);
                assert.match(refused.body.error.message, /does not exist: the environment was deleted/);
                assert.equal((await addUser(emulator, bap, DEMO.restrictedEnv, DEMO.adminUser)).status, 404);
                assert.equal(
                    (await request("DELETE", `${emulator.endpoints.bap}/_emulator/environments/${DEMO.restrictedEnv}`)).status,
                    404,
                    "deleting it again",
                );
                assert.ok(!emulator.state().environments!.some((e) => e.id === DEMO.restrictedEnv));
            } finally {
                await emulator.stop();
            }
        });

        it("an environment with createAfterRequests exists only once the emulator has answered that many requests, then like any other", async () => {
            const { emulator } = await start(demoSeed((s) => (s.environments![2].createAfterRequests = 1000)));
            try {
                const bap = await token(emulator, POWER_APPS);
                const dv = await token(emulator, dataverseAudience(emulator, DEMO.administrativeEnv));
                const get = () => request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.administrativeEnv}?${API}`, { token: bap });
                assert.equal((await get()).status, 404, "not created yet");
                assert.equal((await whoAmI(emulator, DEMO.administrativeEnv, dv)).status, 404, "no organisation yet");
                const list = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?${API}`, { token: bap });
                assert.deepEqual(
                    list.body.value.map((e: { name: string }) => e.name),
                    [DEMO.plainEnv, DEMO.restrictedEnv, DEMO.teamsEnv, DEMO.provisioningEnv],
                );
                assert.equal((await request("POST", `${emulator.endpoints.bap}/_emulator/environments/${DEMO.administrativeEnv}/create`)).status, 204);
                assert.equal((await get()).status, 200, "created by the inspection call");
                assert.equal((await whoAmI(emulator, DEMO.administrativeEnv, dv)).status, 200);
                assert.equal(
                    (await request("POST", `${emulator.endpoints.bap}/_emulator/environments/${DEMO.administrativeEnv}/create`)).status,
                    404,
                    "exists already",
                );
            } finally {
                await emulator.stop();
            }
        });

        it("createAfterRequests makes the environment appear by itself after that many answered requests", async () => {
            const { emulator } = await start(demoSeed((s) => (s.environments![2].createAfterRequests = 1)));
            try {
                const bap = await token(emulator, POWER_APPS); // at least one request answered
                assert.equal(
                    (await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.administrativeEnv}?${API}`, { token: bap })).status,
                    200,
                );
            } finally {
                await emulator.stop();
            }
        });

        it("an environment with deleteAfterRequests disappears once the emulator has answered that many requests", async () => {
            const { emulator } = await start();
            try {
                const bap = await token(emulator, POWER_APPS);
                const answered = emulator.requests().length;
                emulator.mutate((t) => (t.environments[2].deleteAfterRequests = answered + 2));
                const get = () => request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.administrativeEnv}?${API}`, { token: bap });
                assert.equal((await get()).status, 200, "the first request after the change");
                assert.equal((await get()).status, 200, "the second, which reaches deleteAfterRequests");
                assert.equal((await get()).status, 404, "the third: gone");
                assert.equal(
                    (await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.plainEnv}?${API}`, { token: bap })).status,
                    200,
                    "the others stay",
                );
            } finally {
                await emulator.stop();
            }
        });
    });
});
