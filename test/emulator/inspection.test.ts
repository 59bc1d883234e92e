import { strict as assert } from "assert";
import { RequestLogEntry, RunningEmulator, startEmulator, validateSeed } from "../../emulator";
import { SeedError } from "../../emulator";
import { BAP_ENVIRONMENTS, DEMO, demoSeed, POWER_APPS, request, start, token } from "../support/emulator";

describe("emulator inspection and seeds", () => {
    let emulator: RunningEmulator;
    before(async () => ({ emulator } = await start()));
    after(() => emulator.stop());

    it("GET /_emulator/state returns the tenant in the seed's schema, reflecting changes made through the APIs", async () => {
        const graphToken = await token(emulator, emulator.endpoints.graph);
        await request("POST", `${emulator.endpoints.graph}/v1.0/roleManagement/directory/roleAssignments`, {
            token: graphToken,
            body: { principalId: DEMO.backupUser, roleDefinitionId: DEMO.globalAdministratorTemplate, directoryScopeId: "/" },
        });
        for (const origin of [emulator.endpoints.login, emulator.endpoints.graph, emulator.endpoints.bap, emulator.endpoints.dataverse[DEMO.plainEnv]]) {
            const res = await request("GET", `${origin.replace(/\/$/, "")}/_emulator/state`);
            assert.equal(res.status, 200);
            assert.doesNotThrow(() => validateSeed(res.body), "the state is itself a valid seed");
            assert.ok(
                res.body.directoryRoleAssignments.some(
                    (a: { principalId: string; roleDefinitionId: string }) =>
                        a.principalId === DEMO.backupUser && a.roleDefinitionId === DEMO.globalAdministratorTemplate,
                ),
            );
        }
        assert.deepEqual(emulator.state().users, validateSeed(demoSeed()).users);
    });

    it("GET /_emulator/requests lists method, path with query, caller, status and times", async () => {
        const bap = await token(emulator, POWER_APPS);
        const before = (await request("GET", `${emulator.endpoints.bap}/_emulator/requests`)).body.value.at(-1)?.seq ?? 0;
        await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, { token: bap });
        await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/nope?api-version=2023-06-01`, { token: bap });
        const res = await request("GET", `${emulator.endpoints.login}/_emulator/requests?since=${before}`);
        const entries = res.body.value;
        assert.deepEqual(
            entries.map((e: { method: string; path: string; status: number }) => `${e.method} ${e.path} ${e.status}`),
            [`GET ${BAP_ENVIRONMENTS}?api-version=2023-06-01 200`, `GET ${BAP_ENVIRONMENTS}/nope?api-version=2023-06-01 404`],
        );
        for (const e of entries) {
            assert.equal(e.service, "bap");
            assert.deepEqual(e.caller, { oid: DEMO.operator.objectId, appid: DEMO.operator.clientId });
            assert.ok(e.startMs <= e.endMs);
        }
        assert.equal((await request("DELETE", `${emulator.endpoints.login}/_emulator/requests`)).status, 204);
        assert.deepEqual(emulator.requests(), []);
    });

    it("onRequest sees each entry as it is recorded, when the tenant already holds the request's change", async () => {
        const seen: { entry: RequestLogEntry; held: boolean }[] = [];
        const watched: RunningEmulator = await startEmulator(demoSeed(), {
            warn: () => undefined,
            onRequest: (entry) =>
                seen.push({
                    entry,
                    held: watched
                        .state()
                        .directoryRoleAssignments!.some((a) => a.principalId === DEMO.backupUser && a.roleDefinitionId === DEMO.globalAdministratorTemplate),
                }),
        });
        try {
            const graphToken = await token(watched, watched.endpoints.graph);
            await request("POST", `${watched.endpoints.graph}/v1.0/roleManagement/directory/roleAssignments`, {
                token: graphToken,
                body: { principalId: DEMO.backupUser, roleDefinitionId: DEMO.globalAdministratorTemplate, directoryScopeId: "/" },
            });
            assert.deepEqual(
                seen.map(({ entry }) => entry),
                watched.requests(),
                "every entry, as the log holds it",
            );
            const post = seen.find(({ entry }) => entry.method === "POST" && entry.service === "graph")!;
            assert.deepEqual([post.entry.status, post.held], [201, true]);
        } finally {
            await watched.stop();
        }
    });

    it("mutate() changes the tenant behind the services' back, and refuses changes that break the seed", async () => {
        emulator.mutate((t) => (t.users.find((u) => u.id === DEMO.backupUser)!.accountEnabled = false));
        const graphToken = await token(emulator, emulator.endpoints.graph);
        const res = await request("GET", `${emulator.endpoints.graph}/v1.0/users/${DEMO.backupUser}?$select=accountEnabled`, { token: graphToken });
        assert.equal(res.body.accountEnabled, false);
        assert.throws(
            () => emulator.mutate((t) => (t.users[0].id = "not-a-guid")),
            (err: unknown) => err instanceof SeedError && /seed\.users\[0\]\.id: "not-a-guid"/.test(err.message),
        );
        assert.equal(emulator.state().users![0].id, DEMO.backupUser, "nothing changed");
    });

    it("refuses an invalid seed before starting, naming every field, value and expectation", async () => {
        const seed = demoSeed((s) => {
            s.tenantId = "tenant";
            s.users![0].licenses = "DYN365" as unknown as string[];
            s.environments![1].securityGroupId = "00000000-0000-0000-0000-000000000001";
            s.environments![0].systemUsers![0].roleTemplateIds = ["00000000-0000-0000-0000-000000000002"];
            (s.behaviour as Record<string, unknown>).userSyncDelay = 5;
        });
        await assert.rejects(start(seed), (err: unknown) => {
            assert.ok(err instanceof SeedError);
            const text = err.message;
            assert.match(text, /seed\.tenantId: "tenant" — expected a GUID/);
            assert.match(text, /seed\.users\[0\]\.licenses: "DYN365" — expected an array/);
            assert.match(text, /seed\.environments\[1\]\.securityGroupId: .* — expected the id of a group in seed\.groups/);
            assert.match(text, /seed\.environments\[0\]\.systemUsers\[0\]\.roleTemplateIds\[0\]: .* — expected the template id of a standard role/);
            assert.match(text, /seed\.behaviour\.userSyncDelay: unknown field/);
            return true;
        });
    });
});
