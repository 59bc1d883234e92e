import { strict as assert } from "assert";
import { RunningEmulator } from "../../../emulator";
import {
    BAP_ENVIRONMENTS,
    credential,
    dataverseAudience,
    dataverseUrl,
    DEMO,
    demoSeed,
    eventually,
    POWER_APPS,
    request,
    start,
    token,
} from "../../support/emulator";

const API = "api-version=2023-06-01";

async function startWith(change?: Parameters<typeof demoSeed>[0]) {
    const { emulator } = await start(demoSeed(change));
    return { emulator, bap: await token(emulator, POWER_APPS) };
}

function addUser(emulator: RunningEmulator, bapToken: string, env: string, objectId: string) {
    return request("POST", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${env}/addUser?${API}`, { token: bapToken, body: { objectId } });
}

/** The account's systemuser rows in an environment, read through the Dataverse Web API. */
async function systemUsers(emulator: RunningEmulator, env: string, objectId: string): Promise<Array<Record<string, unknown>>> {
    const dv = await token(emulator, dataverseAudience(emulator, env));
    const res = await request(
        "GET",
        `${dataverseUrl(emulator, env)}api/data/v9.2/systemusers?$filter=azureactivedirectoryobjectid eq ${objectId}&$select=systemuserid,accessmode,isdisabled`,
        { token: dv },
    );
    assert.equal(res.status, 200);
    return res.body.value;
}

describe("emulator BAP", () => {
    describe("environments", () => {
        let emulator: RunningEmulator;
        let bap: string;
        before(async () => ({ emulator, bap } = await startWith((s) => (s.behaviour = { ...s.behaviour, bapPageSize: 2 }))));
        after(() => emulator.stop());

        it("lists environments page by page through a plain nextLink", async () => {
            const first = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?${API}`, { token: bap });
            assert.equal(first.status, 200);
            assert.equal(first.body.value.length, 2);
            assert.equal(typeof first.body.nextLink, "string");
            assert.ok(!("@odata.nextLink" in first.body));
            const second = await request("GET", first.body.nextLink, { token: bap });
            assert.equal(second.body.value.length, 2);
            assert.equal(typeof second.body.nextLink, "string");
            const third = await request("GET", second.body.nextLink, { token: bap });
            assert.equal(third.body.value.length, 1);
            assert.ok(!("nextLink" in third.body));
            const names = [...first.body.value, ...second.body.value, ...third.body.value].map((e: { name: string }) => e.name);
            assert.deepEqual(names, [DEMO.plainEnv, DEMO.restrictedEnv, DEMO.administrativeEnv, DEMO.teamsEnv, DEMO.provisioningEnv]);
        });

        it("gets one environment; its instanceUrl is the environment's own Dataverse origin with a trailing slash", async () => {
            const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.restrictedEnv}?${API}`, { token: bap });
            assert.equal(res.status, 200);
            const meta = res.body.properties.linkedEnvironmentMetadata;
            assert.equal(meta.instanceUrl, dataverseUrl(emulator, DEMO.restrictedEnv));
            assert.match(meta.instanceUrl, /^https:\/\/127\.0\.0\.1:\d+\/$/);
            assert.equal(meta.securityGroupId, DEMO.salesGroup);
            assert.equal(res.body.properties.environmentSku, "Sandbox");
            assert.equal(res.body.properties.states.runtime.id, "Enabled");
        });

        it("answers 404 for an unknown environment and 400 without api-version", async () => {
            const missing = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/00000000-0000-0000-0000-000000000404?${API}`, { token: bap });
            assert.equal(missing.status, 404);
            assert.equal(typeof missing.body.error.code, "string");
            const unversioned = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}`, { token: bap });
            assert.equal(unversioned.status, 400);
            assert.equal(unversioned.body.error.code, "MissingApiVersionParameter");
        });
    });

    describe("addUser", () => {
        it("makes the system user appear in Dataverse only after the user-sync delay", async () => {
            const { emulator, bap } = await startWith((s) => (s.behaviour = { ...s.behaviour, userSyncDelayMs: 400 }));
            try {
                assert.equal((await addUser(emulator, bap, DEMO.plainEnv, DEMO.backupUser)).status, 200);
                assert.deepEqual(await systemUsers(emulator, DEMO.plainEnv, DEMO.backupUser), [], "not synced yet right after addUser");
                const rows = await eventually(async () => {
                    const found = await systemUsers(emulator, DEMO.plainEnv, DEMO.backupUser);
                    return found.length > 0 ? found : undefined;
                });
                assert.equal(rows[0].accessmode, 0, "a licensed user is synced as Read-Write");
                assert.equal(rows[0].isdisabled, false);
            } finally {
                await emulator.stop();
            }
        });

        it("answers userNotLicensed until the licence has propagated", async () => {
            const { emulator, bap } = await startWith((s) => (s.behaviour = { ...s.behaviour, licensePropagationDelayMs: 400 }));
            try {
                const early = await addUser(emulator, bap, DEMO.plainEnv, DEMO.backupUser);
                assert.equal(early.status, 400);
                assert.match(JSON.stringify(early.body), /usernotlicensed/i);
                const statuses = [early.status];
                await eventually(async () => {
                    const res = await addUser(emulator, bap, DEMO.plainEnv, DEMO.backupUser);
                    statuses.push(res.status);
                    return res.status === 200 ? res : undefined;
                });
                assert.deepEqual([...new Set(statuses)], [400, 200]);
            } finally {
                await emulator.stop();
            }
        });

        it("refuses an unlicensed user without an admin role, and syncs an unlicensed admin as Administrative", async () => {
            const { emulator, bap } = await startWith((s) => {
                s.users![0].licenses = [];
                s.users![1].licenses = [];
            });
            try {
                const refused = await addUser(emulator, bap, DEMO.plainEnv, DEMO.backupUser);
                assert.equal(refused.status, 400);
                assert.match(refused.body.error.code, /usernotlicensed/i);
                assert.equal((await addUser(emulator, bap, DEMO.restrictedEnv, DEMO.adminUser)).status, 200);
                const [admin] = await systemUsers(emulator, DEMO.restrictedEnv, DEMO.adminUser);
                assert.equal(admin.accessmode, 1);
            } finally {
                await emulator.stop();
            }
        });

        it("refuses a user outside the environment's security group, and accepts them once added to it", async () => {
            const { emulator, bap } = await startWith();
            try {
                const refused = await addUser(emulator, bap, DEMO.restrictedEnv, DEMO.backupUser);
                assert.equal(refused.status, 400);
                assert.match(refused.body.error.message, /security group/);
                const graphToken = await token(emulator, emulator.endpoints.graph);
                const added = await request("POST", `${emulator.endpoints.graph}/v1.0/groups/${DEMO.salesGroup}/members/$ref`, {
                    token: graphToken,
                    body: { "@odata.id": `${emulator.endpoints.graph}/v1.0/directoryObjects/${DEMO.backupUser}` },
                });
                assert.equal(added.status, 204);
                assert.equal((await addUser(emulator, bap, DEMO.restrictedEnv, DEMO.backupUser)).status, 200);
            } finally {
                await emulator.stop();
            }
        });
    });

    describe("service principals", () => {
        const appClientId = "6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a";
        const appObjectId = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
        let emulator: RunningEmulator;
        before(async () => {
            ({ emulator } = await startWith((s) => {
                s.applications = [{ clientId: appClientId, clientSecret: "second-app-secret", objectId: appObjectId, displayName: "Unregistered tool" }];
            }));
        });
        after(() => emulator.stop());

        it("answers 403 'does not have permission to access the path' to a service principal that is not a registered admin application", async () => {
            const other = await credential(emulator, appClientId, "second-app-secret").getToken(`${POWER_APPS}/.default`);
            const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?${API}`, { token: other.token });
            assert.equal(res.status, 403);
            assert.match(res.body.error.message, /does not have permission to access the path/);
            const selfRegistration = await request(
                "PUT",
                `${emulator.endpoints.bap}/providers/Microsoft.BusinessAppPlatform/adminApplications/${appClientId}?api-version=2020-10-01`,
                { token: other.token },
            );
            assert.equal(selfRegistration.status, 403, "an unregistered application cannot register itself");
        });

        it("lets a registered admin application register another, which can then call BAP", async () => {
            const bap = await token(emulator, POWER_APPS);
            const put = await request(
                "PUT",
                `${emulator.endpoints.bap}/providers/Microsoft.BusinessAppPlatform/adminApplications/${appClientId}?api-version=2020-10-01`,
                { token: bap },
            );
            assert.equal(put.status, 200);
            assert.equal(put.body.applicationId, appClientId);
            const other = await credential(emulator, appClientId, "second-app-secret").getToken(`${POWER_APPS}/.default`);
            assert.equal((await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?${API}`, { token: other.token })).status, 200);
        });

        it("addAppUser makes the service principal an application user holding System Administrator", async () => {
            const other = await credential(emulator, appClientId, "second-app-secret");
            const dvAudience = dataverseAudience(emulator, DEMO.plainEnv);
            const before = await request("GET", `${dataverseUrl(emulator, DEMO.plainEnv)}api/data/v9.2/WhoAmI`, {
                token: (await other.getToken(`${dvAudience}/.default`)).token,
            });
            assert.equal(before.status, 403, "not yet a user of the organisation");
            assert.equal(before.body.error.message, "The user is not a member of the organization.");
            const bap = await token(emulator, POWER_APPS);
            const res = await request("POST", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.plainEnv}/addAppUser?api-version=2020-10-01`, {
                token: bap,
                body: { servicePrincipalAppId: appClientId },
            });
            assert.equal(res.status, 200);
            const after = await request("GET", `${dataverseUrl(emulator, DEMO.plainEnv)}api/data/v9.2/WhoAmI`, {
                token: (await other.getToken(`${dvAudience}/.default`)).token,
            });
            assert.equal(after.status, 200);
            const dv = await token(emulator, dvAudience);
            const rows = await request(
                "GET",
                `${dataverseUrl(emulator, DEMO.plainEnv)}api/data/v9.2/systemusers?$filter=applicationid eq ${appClientId}&$select=accessmode&$expand=systemuserroles_association($select=_roletemplateid_value)`,
                { token: dv },
            );
            assert.equal(rows.body.value.length, 1);
            assert.equal(rows.body.value[0].accessmode, 4);
            assert.deepEqual(
                rows.body.value[0].systemuserroles_association.map((r: Record<string, string>) => r._roletemplateid_value),
                [DEMO.systemAdministratorTemplate],
            );
        });
    });
});
