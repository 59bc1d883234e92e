import { strict as assert } from "assert";
import { RunningEmulator } from "../../../emulator";
import { dataverseAudience, dataverseUrl, DEMO, demoSeed, request, Started, start, token } from "../../support/emulator";

const SYSADMIN = DEMO.systemAdministratorTemplate;

describe("emulator Dataverse", () => {
    let started: Started;
    let emulator: RunningEmulator;
    let dv: string;
    const env = DEMO.administrativeEnv;
    const api = (path: string) => `${dataverseUrl(emulator, env)}api/data/v9.2/${path}`;
    const get = (path: string, headers: Record<string, string> = {}) => request("GET", api(path), { token: dv, headers });
    let accountId: string;
    let sysadminRoleId: string;

    before(async () => {
        // a disabled user to test role assignment refusals
        started = await start(
            demoSeed((s) => {
                s.users!.push({
                    id: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
                    userPrincipalName: "left@contoso.onmicrosoft.com",
                    accountEnabled: false,
                    licenses: ["DYN365_ENTERPRISE_PLAN1"],
                });
                s.environments![2].systemUsers!.push({ azureActiveDirectoryObjectId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", isDisabled: true });
            }),
        );
        emulator = started.emulator;
        dv = await token(emulator, dataverseAudience(emulator, env));
    });
    after(() => emulator.stop());

    it("finds a system user with $filter on azureactivedirectoryobjectid (unquoted GUID) and $select", async () => {
        const res = await get(
            `systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.backupUser}&$select=systemuserid,isdisabled,accessmode,_businessunitid_value,domainname`,
        );
        assert.equal(res.status, 200);
        assert.equal(res.body.value.length, 1);
        const user = res.body.value[0];
        assert.deepEqual(Object.keys(user).sort(), ["@odata.etag", "_businessunitid_value", "accessmode", "domainname", "isdisabled", "systemuserid"]);
        assert.equal(user.accessmode, 1, "the demo account starts Administrative");
        assert.equal(user.domainname, "backup@contoso.onmicrosoft.com");
        accountId = user.systemuserid;
        const none = await get(`systemusers?$filter=azureactivedirectoryobjectid eq 00000000-0000-0000-0000-000000000123`);
        assert.deepEqual(none.body.value, []);
    });

    it("rejects a quoted GUID literal and unknown columns with 0x80060888", async () => {
        const quoted = await get(`systemusers?$filter=azureactivedirectoryobjectid eq '${DEMO.backupUser}'`);
        assert.equal(quoted.status, 400);
        assert.equal(quoted.body.error.code, "0x80060888");
        assert.match(quoted.body.error.message, /Edm\.Guid.*Edm\.String/);
        const unknown = await get("systemusers?$select=systemuserid,favouritecolour");
        assert.equal(unknown.status, 400);
        assert.match(unknown.body.error.message, /favouritecolour/);
    });

    it("returns the root business unit and the System Administrator role of it", async () => {
        const bu = await get("businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null");
        assert.equal(bu.body.value.length, 1);
        const root = bu.body.value[0].businessunitid;
        const roles = await get(`roles?$select=roleid,name&$filter=_roletemplateid_value eq ${SYSADMIN} and _businessunitid_value eq ${root}`);
        assert.equal(roles.body.value.length, 1);
        assert.equal(roles.body.value[0].name, "System Administrator");
        sysadminRoleId = roles.body.value[0].roleid;
        const elsewhere = await request(
            "GET",
            `${dataverseUrl(emulator, DEMO.plainEnv)}api/data/v9.2/roles?$select=roleid&$filter=_roletemplateid_value eq ${SYSADMIN}`,
            {
                token: await token(emulator, dataverseAudience(emulator, DEMO.plainEnv)),
            },
        );
        assert.notEqual(elsewhere.body.value[0].roleid, sysadminRoleId, "role ids differ per environment");
    });

    it("changes access mode with PATCH (204) and honours If-Match", async () => {
        const before = await get(`systemusers(${accountId})?$select=accessmode`);
        const stale = await request("PATCH", api(`systemusers(${accountId})`), { token: dv, body: { accessmode: 0 }, headers: { "If-Match": 'W/"1"' } });
        assert.equal(stale.status, 412);
        const res = await request("PATCH", api(`systemusers(${accountId})`), {
            token: dv,
            body: { accessmode: 0 },
            headers: { "If-Match": before.body["@odata.etag"] },
        });
        assert.equal(res.status, 204);
        assert.equal((await get(`systemusers(${accountId})?$select=accessmode`)).body.accessmode, 0);
        const bad = await request("PATCH", api(`systemusers(${accountId})`), { token: dv, body: { accessmode: 9 } });
        assert.equal(bad.status, 400);
    });

    it("associates a role through $ref (204), lists it, and answers a duplicate with 412 0x80040237", async () => {
        const ref = { "@odata.id": api(`roles(${sysadminRoleId})`) };
        assert.equal((await request("POST", api(`systemusers(${accountId})/systemuserroles_association/$ref`), { token: dv, body: ref })).status, 204);
        const held = await get(`systemusers(${accountId})/systemuserroles_association?$select=roleid,name,_roletemplateid_value`);
        assert.deepEqual(held.body.value.map((r: { name: string }) => r.name).sort(), ["Environment Maker", "System Administrator"]);
        const again = await request("POST", api(`systemusers(${accountId})/systemuserroles_association/$ref`), { token: dv, body: ref });
        assert.equal(again.status, 412);
        assert.equal(again.body.error.code, "0x80040237");
    });

    it("disassociates through $ref (204), also when the role is no longer held", async () => {
        const path = `systemusers(${accountId})/systemuserroles_association(${sysadminRoleId})/$ref`;
        assert.equal((await request("DELETE", api(path), { token: dv })).status, 204);
        const held = await get(`systemusers(${accountId})?$select=systemuserid&$expand=systemuserroles_association($select=name)`);
        assert.deepEqual(
            held.body.systemuserroles_association.map((r: { name: string }) => r.name),
            ["Environment Maker"],
        );
        assert.equal((await request("DELETE", api(path), { token: dv })).status, 204);
    });

    it("refuses roles for a disabled user with 0x80040225", async () => {
        const res = await get("systemusers?$filter=azureactivedirectoryobjectid eq 5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a&$select=systemuserid");
        const disabled = res.body.value[0].systemuserid;
        const assign = await request("POST", api(`systemusers(${disabled})/systemuserroles_association/$ref`), {
            token: dv,
            body: { "@odata.id": api(`roles(${sysadminRoleId})`) },
        });
        assert.equal(assign.status, 400);
        assert.equal(assign.body.error.code, "0x80040225");
    });

    it("pages with Prefer: odata.maxpagesize and @odata.nextLink, followed unchanged", async () => {
        const headers = { Prefer: "odata.maxpagesize=30" };
        let res = await get("roles?$select=roleid,name", headers);
        assert.equal(res.headers["preference-applied"], "odata.maxpagesize=30");
        const names: string[] = [];
        let pages = 0;
        for (;;) {
            pages++;
            names.push(...res.body.value.map((r: { name: string }) => r.name));
            const next = res.body["@odata.nextLink"];
            if (!next) break;
            res = await request("GET", next, { token: dv, headers });
        }
        assert.equal(pages, 3);
        assert.equal(names.length, 72);
        assert.equal(new Set(names).size, 72);
    });

    it("creates the user as a side effect of the alternate-key form, and warns", async () => {
        started.warnings.length = 0;
        const before = await get(`systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.adminUser}&$select=systemuserid`);
        assert.deepEqual(before.body.value, []);
        const res = await get(`systemusers(azureactivedirectoryobjectid=${DEMO.adminUser})?$select=systemuserid`);
        assert.equal(res.status, 200);
        const after = await get(`systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.adminUser}&$select=systemuserid`);
        assert.equal(after.body.value.length, 1);
        assert.match(started.warnings.join("\n"), /side effect/);
    });

    it("answers unknown segments with 404 0x80060888 and logs them", async () => {
        started.warnings.length = 0;
        const res = await get("accounts");
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, "0x80060888");
        assert.match(started.warnings.join("\n"), /UNKNOWN ROUTE dataverse/);
    });

    describe("callers", () => {
        it("a member without System Administrator may read but not assign roles (403 0x80040220)", async () => {
            const { emulator: other } = await start(
                demoSeed((s) => {
                    s.environments![0].systemUsers![0].roleTemplateIds = [];
                }),
            );
            try {
                const otherDv = await token(other, dataverseAudience(other, DEMO.plainEnv));
                const otherApi = (p: string) => `${dataverseUrl(other, DEMO.plainEnv)}api/data/v9.2/${p}`;
                const users = await request("GET", otherApi(`systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.adminUser}&$select=systemuserid`), {
                    token: otherDv,
                });
                assert.equal(users.status, 200);
                const patch = await request("PATCH", otherApi(`systemusers(${users.body.value[0].systemuserid})`), { token: otherDv, body: { accessmode: 0 } });
                assert.equal(patch.status, 403);
                assert.equal(patch.body.error.code, "0x80040220");
            } finally {
                await other.stop();
            }
        });
    });
});
