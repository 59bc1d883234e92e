// What the fleet reads before it runs a stack: pending operations and 0.1.0 provider
// code in the exported state, the locks a self-managed backend keeps (from the CLI's own
// refusal and from a local file backend's lock files), and what it then says to run.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { hostedProviderText } from "../../providers";
import {
    judgeLock,
    legacyAdvice,
    lockAdvice,
    locksFromError,
    pendingAdvice,
    processAlive,
    readFileBackendLocks,
    StackLock,
    stateHealth,
} from "../../fleet/stack-health";

const FIXTURE_STATE = path.join(__dirname, "..", "e2e", "fixtures", "state-0.1.0", "state.json");
const URN =
    "urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$azuread:index/directoryRoleAssignment:DirectoryRoleAssignment::directory-role-power-platform-administrator";

/** The CLI's refusal on a self-managed backend (pkg/backend/diy/lock.go, 3.250). */
const REFUSAL = [
    "error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
    "  azblob://tenants/.pulumi/locks/organization/d365-backup-access/contoso/0b1c.json: created by runner@ci-host-7 (pid 4242) at 2026-12-02T05:10:00Z",
    "  file:///srv/state/.pulumi/locks/organization/d365-backup-access/contoso/9f8e.json: created by ops@this-host (pid 77) at 2026-12-02T05:11:00+01:00",
].join("\n");

describe("fleet: a stack's health before running", () => {
    it("finds the pending operations an interrupted update left in the checkpoint", () => {
        const health = stateHealth({
            resources: [],
            pending_operations: [{ resource: { urn: URN, type: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment" }, type: "creating" }],
        });
        assert.deepEqual(health.pendingOperations, [{ type: "creating", urn: URN }]);
        assert.deepEqual(stateHealth({ resources: [] }).pendingOperations, []);
        assert.deepEqual(stateHealth(undefined), { pendingOperations: [], legacyProviderResources: [] });
    });

    it("says what the pending operations are and the one command to run", () => {
        const advice = pendingAdvice("contoso", [{ type: "creating", urn: URN }]);
        assert.match(advice, /1 pending operation \(creating directory-role-power-platform-administrator\)/);
        assert.match(advice, /nothing was run\. Run `npm run fleet -- recover --stacks contoso`/);
    });

    it("finds the resources whose state holds 0.1.0 provider code (the fixture), and none in today's", async () => {
        const exported = JSON.parse(await fs.readFile(FIXTURE_STATE, "utf8"));
        const legacy = stateHealth(exported.deployment).legacyProviderResources;
        assert.equal(legacy.length, 6, legacy.join(", "));
        assert.ok(
            legacy.every((name) => /^(environment-user|system-administrator)-/.test(name)),
            legacy.join(", "),
        );
        const today = {
            resources: [
                { urn: URN, inputs: { __provider: hostedProviderText("EnvironmentUser") }, outputs: { __provider: hostedProviderText("EnvironmentUser") } },
            ],
        };
        assert.deepEqual(stateHealth(today).legacyProviderResources, []);
        assert.match(
            legacyAdvice("contoso", legacy),
            /provider code written by version 0\.1\.0 \(6 resources\).*status does not refresh it.*`npx pulumi up --stack contoso`/,
        );
    });

    it("reads the locks from the CLI's refusal, whatever the backend", () => {
        assert.deepEqual(locksFromError(REFUSAL), [
            {
                location: "azblob://tenants/.pulumi/locks/organization/d365-backup-access/contoso/0b1c.json",
                user: "runner",
                host: "ci-host-7",
                pid: 4242,
                time: "2026-12-02T05:10:00Z",
            },
            {
                location: "file:///srv/state/.pulumi/locks/organization/d365-backup-access/contoso/9f8e.json",
                user: "ops",
                host: "this-host",
                pid: 77,
                time: "2026-12-02T05:11:00+01:00",
            },
        ]);
        assert.equal(locksFromError("error: update failed"), null);
    });

    it("calls a lock stale only when its process is gone from this host", () => {
        const lock: StackLock = { location: "l.json", user: "ops", host: "this-host", pid: 77, time: "t" };
        assert.equal(
            judgeLock(lock, "this-host", () => false),
            "stale",
        );
        assert.equal(
            judgeLock(lock, "this-host", () => true),
            "live",
        );
        assert.equal(
            judgeLock(lock, "other-host", () => false),
            "elsewhere",
        );
        assert.equal(processAlive(process.pid), true);
        assert.equal(processAlive(0), false);
    });

    it("advises recover for stale locks, and recover --force only after waiting otherwise", () => {
        const [elsewhere, here] = locksFromError(REFUSAL)!;
        assert.match(
            lockAdvice("contoso", [here], "this-host", () => false),
            /locked by an interrupted update: stale lock .*9f8e\.json, created by ops@this-host \(pid 77\).*no longer running on this host\. Run `npm run fleet -- recover --stacks contoso`\.$/,
        );
        const live = lockAdvice("contoso", [here], "this-host", () => true);
        assert.match(
            live,
            /still running on this host\. Wait for that update to end; only when you know it no longer runs, run `npm run fleet -- recover --stacks contoso --force`\./,
        );
        assert.match(
            lockAdvice("contoso", [elsewhere, here], "this-host", () => false),
            /another host, whose processes this machine cannot see.*--force/,
        );
    });

    it("reads a local file backend's lock files for one stack", async () => {
        const root = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-locks-"));
        try {
            const directory = path.join(root, ".pulumi", "locks", "organization", "d365-backup-access", "contoso");
            await fs.mkdir(directory, { recursive: true });
            await fs.mkdir(path.join(root, ".pulumi", "locks", "organization", "d365-backup-access", "fabrikam"), { recursive: true });
            await fs.writeFile(
                path.join(directory, "0b1c.json"),
                JSON.stringify({ pid: 4242, username: "ops", hostname: "this-host", timestamp: "2026-12-02T05:10:00Z" }),
            );
            await fs.writeFile(path.join(root, ".pulumi", "locks", "organization", "d365-backup-access", "fabrikam", "1.json"), "{}");
            assert.deepEqual(await readFileBackendLocks(root, "d365-backup-access", "contoso"), [
                { location: path.join(directory, "0b1c.json"), user: "ops", host: "this-host", pid: 4242, time: "2026-12-02T05:10:00Z" },
            ]);
            assert.deepEqual(await readFileBackendLocks(root, "d365-backup-access", "northwind"), []);
            assert.deepEqual(await readFileBackendLocks(path.join(root, "absent"), "d365-backup-access", "contoso"), []);
        } finally {
            await fs.rm(root, { recursive: true, force: true });
        }
    });
});
