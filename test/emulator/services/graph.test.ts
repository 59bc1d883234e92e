import { strict as assert } from "assert";
import { RunningEmulator } from "../../../emulator";
import { DEMO, demoSeed, request, Started, start, token } from "../../support/emulator";

describe("emulator Graph", () => {
    let started: Started;
    let emulator: RunningEmulator;
    let graphToken: string;
    const graph = (path: string) => `${emulator.endpoints.graph}${path}`;
    const get = (path: string) => request("GET", graph(path), { token: graphToken });

    before(async () => {
        started = await start(demoSeed((s) => (s.behaviour = { ...s.behaviour, graphPageSize: 1 })));
        emulator = started.emulator;
        graphToken = await token(emulator, "https://graph.microsoft.com");
    });
    after(() => emulator.stop());

    describe("users", () => {
        it("finds a user by id, by UPN and by $filter on userPrincipalName", async () => {
            const byId = await get(`/v1.0/users/${DEMO.backupUser}`);
            assert.equal(byId.status, 200);
            assert.equal(byId.body.userPrincipalName, "backup@contoso.onmicrosoft.com");
            const byUpn = await get(`/v1.0/users/${encodeURIComponent("Backup@Contoso.onmicrosoft.com")}`);
            assert.equal(byUpn.body.id, DEMO.backupUser);
            const filtered = await get(`/v1.0/users?$filter=${encodeURIComponent("userPrincipalName eq 'backup@contoso.onmicrosoft.com'")}`);
            assert.deepEqual(
                filtered.body.value.map((u: { id: string }) => u.id),
                [DEMO.backupUser],
            );
            const none = await get(`/v1.0/users?$filter=${encodeURIComponent("userPrincipalName eq 'nobody@contoso.onmicrosoft.com'")}`);
            assert.deepEqual(none.body.value, []);
        });

        it("returns the default property set without $select (no accountEnabled), exactly the $select list with it", async () => {
            const plain = await get(`/v1.0/users/${DEMO.backupUser}`);
            assert.ok(!("accountEnabled" in plain.body));
            assert.ok("businessPhones" in plain.body && "displayName" in plain.body);
            const selected = await get(`/v1.0/users/${DEMO.backupUser}?$select=id,accountEnabled,userPrincipalName`);
            const { "@odata.context": _context, ...fields } = selected.body;
            assert.deepEqual(fields, { id: DEMO.backupUser, accountEnabled: true, userPrincipalName: "backup@contoso.onmicrosoft.com" });
            const unknown = await get(`/v1.0/users/${DEMO.backupUser}?$select=id,shoeSize`);
            assert.equal(unknown.status, 400);
            assert.match(unknown.body.error.message, /shoeSize/);
        });

        it("answers the azuread getUser data source's $select and its manager lookup", async () => {
            const select =
                "accountEnabled,ageGroup,businessPhones,city,companyName,consentProvidedForMinor,country,creationType,department,displayName,employeeHireDate,employeeId,employeeOrgData,employeeType,externalUserState,faxNumber,givenName,id,imAddresses,jobTitle,mail,mailNickname,mobilePhone,officeLocation,onPremisesDistinguishedName,onPremisesDomainName,onPremisesImmutableId,onPremisesSamAccountName,onPremisesSecurityIdentifier,onPremisesSyncEnabled,onPremisesUserPrincipalName,otherMails,postalCode,preferredLanguage,proxyAddresses,showInAddressList,state,streetAddress,surname,usageLocation,userPrincipalName,userType";
            const user = await get(`/v1.0/users/${DEMO.backupUser}?$select=${select}`);
            assert.equal(user.status, 200);
            assert.equal(Object.keys(user.body).length, select.split(",").length + 1);
            const manager = await get(`/v1.0/users/${DEMO.backupUser}/manager`);
            assert.equal(manager.status, 404);
            assert.equal(manager.body.error.code, "Request_ResourceNotFound");
        });

        it("lists licence details with SKU part numbers and service plans", async () => {
            const res = await get(`/v1.0/users/${DEMO.backupUser}/licenseDetails`);
            assert.equal(res.status, 200);
            assert.equal(res.body.value[0].skuPartNumber, "DYN365_ENTERPRISE_PLAN1");
            assert.equal(res.body.value[0].skuId, "ea126fc5-a19e-42e2-a731-da9d437bffcf");
            assert.equal(res.body.value[0].servicePlans[0].provisioningStatus, "Success");
        });

        it("answers /me with Graph's app-only error", async () => {
            const res = await get("/v1.0/me");
            assert.equal(res.status, 400);
            assert.match(res.body.error.message, /only valid with delegated authentication flow/);
        });

        it("pages lists with @odata.nextLink", async () => {
            let next: string | undefined = graph("/v1.0/users");
            const ids: string[] = [];
            while (next) {
                const page = await request("GET", next, { token: graphToken });
                ids.push(...page.body.value.map((u: { id: string }) => u.id));
                next = page.body["@odata.nextLink"];
            }
            assert.deepEqual(ids.sort(), [DEMO.backupUser, DEMO.adminUser].sort());
        });
    });

    describe("directory role assignments", () => {
        const assignments = "/v1.0/roleManagement/directory/roleAssignments";
        let created: { id: string };

        it("lists a principal's assignments with $filter=principalId eq '…'", async () => {
            const res = await get(`${assignments}?$filter=${encodeURIComponent(`principalId eq '${DEMO.adminUser}'`)}`);
            assert.equal(res.status, 200);
            assert.equal(res.body.value.length, 1);
            assert.deepEqual(Object.keys(res.body.value[0]).sort(), ["directoryScopeId", "id", "principalId", "roleDefinitionId"]);
            assert.equal(res.body.value[0].roleDefinitionId, DEMO.globalAdministratorTemplate);
        });

        it("creates an assignment (201) with a Graph-style id, reads it back and lists it", async () => {
            const res = await request("POST", graph(assignments), {
                token: graphToken,
                body: { principalId: DEMO.backupUser, roleDefinitionId: DEMO.powerPlatformAdministratorTemplate, directoryScopeId: "/" },
            });
            assert.equal(res.status, 201);
            created = res.body;
            assert.match(created.id, /^[A-Za-z0-9_-]{43}-1$/);
            const read = await get(`${assignments}/${created.id}`);
            assert.equal(read.status, 200);
            assert.equal(read.body.principalId, DEMO.backupUser);
            const listed = await get(`${assignments}?$filter=${encodeURIComponent(`principalId eq '${DEMO.backupUser}'`)}`);
            assert.deepEqual(
                listed.body.value.map((a: { id: string }) => a.id),
                [created.id],
            );
        });

        it("refuses a duplicate assignment with 400 'A conflicting object …'", async () => {
            const res = await request("POST", graph(assignments), {
                token: graphToken,
                body: { principalId: DEMO.backupUser, roleDefinitionId: DEMO.powerPlatformAdministratorTemplate, directoryScopeId: "/" },
            });
            assert.equal(res.status, 400);
            assert.equal(res.body.error.message, "A conflicting object with one or more of the specified property values is present in the directory.");
        });

        it("deletes an assignment (204); reading or deleting it again is a 404", async () => {
            assert.equal((await request("DELETE", graph(`${assignments}/${created.id}`), { token: graphToken })).status, 204);
            assert.equal((await get(`${assignments}/${created.id}`)).status, 404);
            assert.equal((await request("DELETE", graph(`${assignments}/${created.id}`), { token: graphToken })).status, 404);
            assert.ok(!emulator.state().directoryRoleAssignments!.some((a) => a.id === created.id));
        });
    });

    describe("group members through $ref", () => {
        const members = `/beta/groups/${DEMO.salesGroup}/members`;

        it("adds a member (204), lists it with @odata.type, and refuses to add it twice", async () => {
            const ref = { "@odata.id": `${emulator.endpoints.graph}/beta/directoryObjects/${DEMO.backupUser}` };
            assert.equal((await request("POST", graph(`${members}/$ref`), { token: graphToken, body: ref })).status, 204);
            const listed = await get(`${members}?$filter=${encodeURIComponent(`id eq '${DEMO.backupUser}'`)}`);
            assert.equal(listed.body.value.length, 1);
            assert.equal(listed.body.value[0]["@odata.type"], "#microsoft.graph.user");
            const again = await request("POST", graph(`${members}/$ref`), { token: graphToken, body: ref });
            assert.equal(again.status, 400);
            assert.match(again.body.error.message, /already exist/);
        });

        it("lists members on v1.0 too, and removes one (204); removing it again is a 404", async () => {
            const before = await get(`/v1.0/groups/${DEMO.salesGroup}/members?$top=10`);
            assert.equal(before.body.value.length, 2);
            assert.equal((await request("DELETE", graph(`${members}/${DEMO.backupUser}/$ref`), { token: graphToken })).status, 204);
            const after = await get(`${members}?$filter=${encodeURIComponent(`id eq '${DEMO.backupUser}'`)}`);
            assert.deepEqual(after.body.value, []);
            assert.equal((await request("DELETE", graph(`${members}/${DEMO.backupUser}/$ref`), { token: graphToken })).status, 404);
        });

        it("answers whether one object is a direct member (v1.0 advanced query): a nested group's member is not one", async () => {
            const NESTED = "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80";
            emulator.mutate((tenant) => {
                tenant.groups.push({ id: NESTED, displayName: "Nested", members: [DEMO.backupUser], isAssignableToRole: false });
                tenant.groups.find((g) => g.id === DEMO.salesGroup)!.members.push(NESTED);
            });
            try {
                const ask = (memberId: string, headers: Record<string, string> = { ConsistencyLevel: "eventual" }) =>
                    request(
                        "GET",
                        graph(`/v1.0/groups/${DEMO.salesGroup}/members?$filter=${encodeURIComponent(`id eq '${memberId}'`)}&$select=id&$count=true`),
                        { token: graphToken, headers },
                    );
                const direct = await ask(DEMO.adminUser);
                assert.equal(direct.status, 200);
                assert.equal(direct.body["@odata.count"], 1);
                assert.deepEqual(direct.body.value, [{ "@odata.type": "#microsoft.graph.user", id: DEMO.adminUser }]);
                const throughNested = await ask(DEMO.backupUser);
                assert.equal(throughNested.status, 200);
                assert.equal(throughNested.body["@odata.count"], 0);
                assert.deepEqual(throughNested.body.value, []);
                const withoutHeader = await ask(DEMO.adminUser, {});
                assert.equal(withoutHeader.status, 400);
                assert.equal(withoutHeader.body.error.code, "Request_BadRequest");
                assert.equal(withoutHeader.body.error.message, "$count is not currently supported.");
            } finally {
                emulator.mutate((tenant) => {
                    tenant.groups = tenant.groups.filter((g) => g.id !== NESTED);
                    const sales = tenant.groups.find((g) => g.id === DEMO.salesGroup)!;
                    sales.members = sales.members.filter((m) => m !== NESTED);
                });
            }
        });

        it("refuses references to objects that do not exist", async () => {
            const res = await request("POST", graph(`${members}/$ref`), {
                token: graphToken,
                body: { "@odata.id": `${emulator.endpoints.graph}/v1.0/directoryObjects/00000000-0000-0000-0000-000000000999` },
            });
            assert.equal(res.status, 404);
            assert.equal(res.body.error.code, "Request_ResourceNotFound");
        });
    });

    it("answers an unknown route with Graph's 400 and says so loudly on standard error", async () => {
        started.warnings.length = 0;
        const res = await get("/v1.0/applications");
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, "BadRequest");
        assert.ok(res.body.error.innerError["request-id"]);
        assert.equal(started.warnings.length, 1);
        assert.match(started.warnings[0], /UNKNOWN ROUTE graph: GET \/v1\.0\/applications/);
    });
});
