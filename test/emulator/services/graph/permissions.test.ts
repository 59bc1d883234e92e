// Graph application permissions in the emulator: the `roles` claim of app-only Graph
// tokens, Graph's two refusal shapes when the claim lacks what a route needs, the
// defaults that keep seeds without the field working as before, and seed validation.

import { strict as assert } from "assert";

import { RunningEmulator, SeedError, validateSeed } from "../../../../emulator";
import { DEFAULT_GRAPH_PERMISSIONS } from "../../../../emulator/services/graph/permissions";
import { BAP_ENVIRONMENTS, DEMO, decodeJwt, demoSeed, POWER_APPS, request, start, token } from "../../../support/emulator";

const GRAPH = "https://graph.microsoft.com";
const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const ROLE_ASSIGNMENTS = "/v1.0/roleManagement/directory/roleAssignments";

describe("emulator Graph application permissions", () => {
    describe("with the seed's defaults", () => {
        let emulator: RunningEmulator;
        before(async () => (emulator = (await start(demoSeed())).emulator));
        after(() => emulator.stop());

        it("puts the default permissions in Graph tokens only, as the roles claim", async () => {
            assert.deepEqual(decodeJwt(await token(emulator, GRAPH)).roles, [...DEFAULT_GRAPH_PERMISSIONS]);
            assert.equal(decodeJwt(await token(emulator, emulator.endpoints.graph)).roles !== undefined, true);
            assert.equal(decodeJwt(await token(emulator, POWER_APPS)).roles, undefined, "BAP tokens carry no Graph permissions");
        });

        it("lets the defaults through every route the program and the azuread provider use", async () => {
            const graphToken = await token(emulator, GRAPH);
            const reads = [
                `/v1.0/users/${DEMO.backupUser}/licenseDetails`,
                `/v1.0/users?$filter=${encodeURIComponent("userPrincipalName eq 'backup@contoso.onmicrosoft.com'")}`,
                `${ROLE_ASSIGNMENTS}?$filter=${encodeURIComponent(`principalId eq '${DEMO.backupUser}'`)}`,
                `/beta/groups/${DEMO.salesGroup}/members`,
                `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${DEMO.operator.clientId}'`)}`,
                "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances",
            ];
            for (const path of reads) {
                const answer = await request("GET", `${emulator.endpoints.graph}${path}`, { token: graphToken });
                assert.equal(answer.status, 200, `${path}: ${answer.text}`);
            }
        });
    });

    describe("with only some permissions granted", () => {
        let emulator: RunningEmulator;
        let graphToken: string;
        const graph = (path: string) => `${emulator.endpoints.graph}${path}`;

        before(async () => {
            emulator = (await start(demoSeed((seed) => (seed.operator.graphPermissions = ["User.Read.All", "RoleManagement.Read.Directory"])))).emulator;
            graphToken = await token(emulator, GRAPH);
        });
        after(() => emulator.stop());

        it("carries exactly the granted permissions in the roles claim", () => {
            assert.deepEqual(decodeJwt(graphToken).roles, ["User.Read.All", "RoleManagement.Read.Directory"]);
        });

        it("serves the routes a granted permission covers", async () => {
            assert.equal((await request("GET", graph(`/v1.0/users/${DEMO.backupUser}/licenseDetails`), { token: graphToken })).status, 200);
            assert.equal(
                (await request("GET", graph(`${ROLE_ASSIGNMENTS}?$filter=${encodeURIComponent(`principalId eq '${DEMO.backupUser}'`)}`), { token: graphToken }))
                    .status,
                200,
            );
        });

        it("refuses directory reads without the permission with Authorization_RequestDenied", async () => {
            const answer = await request("GET", graph(`/v1.0/groups/${DEMO.salesGroup}/members?$select=id`), { token: graphToken });
            assert.equal(answer.status, 403);
            assert.equal(answer.body.error.code, "Authorization_RequestDenied");
            assert.equal(answer.body.error.message, "Insufficient privileges to complete the operation.");
        });

        it("refuses role-management writes with PermissionScopeNotGranted naming the permission, before the route runs", async () => {
            const answer = await request("POST", graph(ROLE_ASSIGNMENTS), {
                token: graphToken,
                body: { principalId: DEMO.backupUser, roleDefinitionId: GLOBAL_ADMINISTRATOR, directoryScopeId: "/" },
            });
            assert.equal(answer.status, 403);
            const inner = JSON.parse(answer.body.error.message);
            assert.equal(inner.errorCode, "PermissionScopeNotGranted");
            assert.match(inner.message, /missing permission scope RoleManagement\.ReadWrite\.Directory/);
            assert.ok(!(emulator.state().directoryRoleAssignments ?? []).some((a) => a.principalId === DEMO.backupUser), "nothing was assigned");
        });

        it("decides from the token: a permission granted later counts only with a new token", async () => {
            emulator.mutate((state) => state.operator.graphPermissions.push("GroupMember.Read.All"));
            const path = graph(`/v1.0/groups/${DEMO.salesGroup}/members?$select=id`);
            assert.equal((await request("GET", path, { token: graphToken })).status, 403, "the old token still lacks it");
            assert.equal((await request("GET", path, { token: await token(emulator, GRAPH) })).status, 200);
        });

        it("leaves BAP alone: Power Platform does not use Graph permissions", async () => {
            const answer = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, {
                token: await token(emulator, POWER_APPS),
            });
            assert.equal(answer.status, 200);
        });
    });

    it("leaves the roles claim out of tokens of an application granted nothing", async () => {
        const { emulator } = await start(demoSeed((seed) => (seed.operator.graphPermissions = [])));
        try {
            const graphToken = await token(emulator, GRAPH);
            assert.equal(decodeJwt(graphToken).roles, undefined);
            assert.equal((await request("GET", `${emulator.endpoints.graph}/v1.0/users/${DEMO.backupUser}`, { token: graphToken })).status, 403);
        } finally {
            await emulator.stop();
        }
    });

    it("refuses unknown and repeated permission names in a seed, naming the field", () => {
        assert.throws(
            () => validateSeed(demoSeed((seed) => (seed.operator.graphPermissions = ["User.Read.All", "User.Read.All", "Users.Read"]))),
            (error: unknown) =>
                error instanceof SeedError &&
                /seed\.operator\.graphPermissions\[1\]: "User\.Read\.All".*each permission once/.test(error.message) &&
                /seed\.operator\.graphPermissions\[2\]: "Users\.Read".*one of /.test(error.message),
        );
        assert.deepEqual(validateSeed(demoSeed()).operator.graphPermissions, [...DEFAULT_GRAPH_PERMISSIONS]);
    });
});
