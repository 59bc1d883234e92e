// Upgrading in place: a stack whose state was written by d365-backup-access 0.1.0 (each
// dynamic resource storing a serialized copy of the clients, about 215 KiB) updates with
// this version without replacing anything and without touching the tenant, and its state
// shrinks to a few KiB per resource. The fixture (fixtures/state-0.1.0) is that version's
// `pulumi stack export` after bootstrap and operational against the demo tenant, with the
// stack's settings file and the tenant as the emulator held it then.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { writesAmong } from "../support/reads-only";
import { createWorkspace, PulumiWorkspace } from "./support/workspace";

const FIXTURE = path.join(__dirname, "fixtures", "state-0.1.0");
const STACK = "contoso";
const DYNAMIC = /^pulumi-nodejs:dynamic\//;

interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly id?: string;
    readonly inputs?: Record<string, any>;
    readonly outputs?: Record<string, any>;
}

async function exportState(workspace: PulumiWorkspace): Promise<{ text: string; resources: StateResource[] }> {
    const { stdout } = await workspace.run(["stack", "export"]);
    return { text: stdout, resources: JSON.parse(stdout).deployment.resources };
}

/**
 * A fixture opened as it was left: the emulator holding its tenant, and a workspace whose
 * stack holds its state and its settings file (secrets encrypted with the workspaces'
 * passphrase).
 */
async function openFixture(
    fixture: string,
): Promise<{ emulator: RunningEmulator; workspace: PulumiWorkspace; tenant: any; state: Awaited<ReturnType<typeof exportState>> }> {
    const tenant = JSON.parse(await fs.readFile(path.join(fixture, "tenant.json"), "utf8"));
    const emulator = await startEmulator(tenant);
    const { ARM_CLIENT_SECRET: _secret, ...env } = emulator.env;
    const workspace = await createWorkspace({ stack: STACK, env });
    await workspace.run(["stack", "import", "--file", path.join(fixture, "state.json")]);
    await fs.copyFile(path.join(fixture, `Pulumi.${STACK}.yaml`), path.join(workspace.directory, `Pulumi.${STACK}.yaml`));
    return { emulator, workspace, tenant, state: await exportState(workspace) };
}

/** What the tenant holds for the account: directory roles, and per environment user, access mode and roles. */
function accessOf(emulator: RunningEmulator, accountId: string) {
    const state = emulator.state();
    return {
        roles: state
            .directoryRoleAssignments!.filter((a) => a.principalId === accountId)
            .map((a) => a.id)
            .sort(),
        environments: state.environments!.map((environment) => {
            const user = environment.systemUsers!.find((u) => u.azureActiveDirectoryObjectId === accountId);
            return { id: environment.id, systemUserId: user?.systemUserId, accessMode: user?.accessMode, roles: user?.roleTemplateIds };
        }),
    };
}

/** Runs `pulumi up` and asserts that no request but the sign-in's and reads reached the tenant. */
async function upWritingNothing(emulator: RunningEmulator, workspace: PulumiWorkspace): Promise<void> {
    emulator.clearRequests();
    await workspace.run(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(
        writesAmong(emulator.requests()).map((r) => `${r.method} ${r.path}`),
        [],
        "no write reached the tenant",
    );
}

describe("upgrading a stack written by version 0.1.0", function () {
    this.timeout(10 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let accountId: string;
    let original: Awaited<ReturnType<typeof exportState>>;

    before(async () => {
        const opened = await openFixture(FIXTURE);
        ({ emulator, workspace, state: original } = opened);
        accountId = opened.tenant.users.find((user: any) => user.userPrincipalName.startsWith("backup@")).id;
    });

    after(async () => {
        await emulator?.stop();
        await workspace?.remove();
    });

    it("starts from the old, large state", () => {
        const dynamic = original.resources.filter((r) => DYNAMIC.test(r.type));
        assert.equal(dynamic.length, 6, "three environments: a user and a role each");
        assert.ok(original.text.length > 1_000_000, `${original.text.length} bytes`);
    });

    it("previews in-place updates of the roles (and the component's new input) and deletes of the users only: no create or replace", async () => {
        const { stdout } = await workspace.run(["preview", "--json"]);
        const steps: { op: string; urn: string }[] = JSON.parse(stdout).steps ?? [];
        const changing = steps.filter((step) => step.op !== "same");
        assert.ok(changing.length > 0, "the stored providers are rewritten");
        for (const step of changing) {
            if (step.op === "delete") {
                // Each role takes its environment's user over; 0.1.0's EnvironmentUser delete calls nothing.
                assert.match(step.urn, /pulumi-nodejs:dynamic\/powerplatform:EnvironmentUser::/, step.urn);
                continue;
            }
            assert.equal(step.op, "update", `${step.op} ${step.urn}`);
            // The component gained an input (plainTextCredentialKeys, for the policy pack); a component update calls nothing.
            assert.match(step.urn, /pulumi-nodejs:dynamic\/dataverse:SecurityRoleAssignment::|d365-backup-access:index:ServiceAccountAccess::/, step.urn);
        }
        assert.equal(changing.filter((step) => step.op === "delete").length, 3, "one user per environment leaves the stack");
    });

    it("updates without a single write to the tenant, and the state shrinks", async () => {
        const tenantBefore = accessOf(emulator, accountId);
        await upWritingNothing(emulator, workspace);
        assert.deepEqual(accessOf(emulator, accountId), tenantBefore);

        const after = await exportState(workspace);
        const identities = (resources: StateResource[]) => resources.map((r) => `${r.urn} ${r.id ?? ""}`).sort();
        // The program reads the stack's previous state through the engine's builtin
        // provider (lib/previous-state.ts), whose default provider the engine records,
        // as it does for any stack reference: no inputs, nothing in the tenant.
        const builtin = after.resources.filter((r) => r.type === "pulumi:providers:pulumi");
        assert.deepEqual(
            builtin.map((r) => r.urn),
            ["urn:pulumi:contoso::d365-backup-access::pulumi:providers:pulumi::default"],
        );
        assert.deepEqual(
            identities(after.resources.filter((r) => !builtin.includes(r))),
            identities(original.resources.filter((r) => !r.type.endsWith(":EnvironmentUser"))),
            "the same resources with the same ids, less the users the roles took over",
        );
        assert.ok(after.text.length * 20 < original.text.length, `state ${original.text.length} → ${after.text.length} bytes`);
        for (const resource of after.resources.filter((r) => DYNAMIC.test(r.type))) {
            const size = JSON.stringify(resource).length;
            assert.ok(size <= 4096, `${resource.urn}: ${size} bytes`);
        }
        assert.ok(!after.text.includes(workspace.directory), "no path of this machine in state");
    });

    it("has nothing left to change afterwards", async () => {
        await workspace.run(["preview", "--expect-no-changes"]);
        await workspace.run(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    });
});

// The state the version before one resource per environment wrote (fixtures/state-hosted):
// every dynamic resource stores the one-line provider that loads providers/host-entry.js,
// and each environment holds a user and a role. Its next update moves it to one resource
// per environment, and writes nothing in the tenant doing it: each EnvironmentUser leaves
// the stack (its delete calls nothing), each role takes its user over (an update that
// only reads), keeping its origin. Then nothing changes.
describe("a stack written with a user and a role per environment, by the hosted providers", function () {
    this.timeout(10 * 60 * 1000);

    const fixture = path.join(__dirname, "fixtures", "state-hosted");
    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let original: Awaited<ReturnType<typeof exportState>>;

    before(async () => {
        ({ emulator, workspace, state: original } = await openFixture(fixture));
    });

    after(async () => {
        await emulator?.stop();
        await workspace?.remove();
    });

    it("holds every resource type the providers serve, each storing the one-line provider", () => {
        const dynamic = original.resources.filter((r) => DYNAMIC.test(r.type));
        assert.deepEqual([...new Set(dynamic.map((r) => r.type.split(":").pop()))].sort(), [
            "EnvironmentUser",
            "SecurityRoleAssignment",
            "TimeBoundRoleAssignment",
        ]);
        for (const resource of dynamic) {
            const stored = (resource as { outputs?: { __provider?: string } }).outputs?.__provider ?? "";
            assert.match(
                stored,
                /^exports\.handler = \(\) => require\(require\("path"\)\.resolve\("providers\/host-entry\.js"\)\)\.provider\("\w+"\);\n$/,
                resource.urn,
            );
        }
    });

    it("moves to one resource per environment in one update that writes nothing in the tenant, each role keeping its origin", async () => {
        const preview = JSON.parse((await workspace.run(["preview", "--json"])).stdout);
        const changed = (preview.steps as { op: string; urn: string }[]).filter((step) => step.op !== "same");
        const named = (op: string) =>
            changed
                .filter((step) => step.op === op)
                .map((step) => step.urn.split("::").pop())
                .sort();
        const users = original.resources.filter((r) => r.type.endsWith(":EnvironmentUser")).map((r) => r.urn.split("::").pop()!);
        const roles = original.resources.filter((r) => r.type.endsWith(":SecurityRoleAssignment"));
        assert.equal(users.length, 3);
        assert.deepEqual(named("delete"), users.sort());
        assert.deepEqual(named("update"), roles.map((r) => r.urn.split("::").pop()!).sort());
        assert.deepEqual(
            changed.filter((step) => !["delete", "update"].includes(step.op)),
            [],
            "nothing created or replaced",
        );

        await upWritingNothing(emulator, workspace);
        const moved = await exportState(workspace);
        assert.deepEqual(
            moved.resources.filter((r) => r.type.endsWith(":EnvironmentUser")),
            [],
        );
        for (const role of roles) {
            const now = moved.resources.find((r) => r.urn === role.urn);
            assert.ok(now?.inputs && now.outputs && role.outputs, `${role.urn} is still in the stack`);
            assert.equal(now.inputs.accessMode, "read-write", role.urn);
            assert.equal(now.outputs.accessMode, "read-write", role.urn);
            assert.equal(now.outputs.enabled, true, role.urn);
            assert.equal(now.outputs.origin, role.outputs.origin, `${role.urn}: origin kept`);
            assert.equal(now.outputs.systemUserId, role.outputs.systemUserId, role.urn);
            assert.equal(now.outputs.roleId, role.outputs.roleId, role.urn);
        }
    });

    it("then previews no change and refreshes to the same state, touching nothing in the tenant", async () => {
        emulator.clearRequests();
        await workspace.run(["preview", "--expect-no-changes"]);
        await workspace.run(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
        await workspace.run(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
        const writes = emulator.requests().filter((r) => r.service !== "login" && r.method !== "GET");
        assert.deepEqual(
            writes.map((r) => `${r.method} ${r.path}`),
            [],
            "no write reached the tenant",
        );
    });
});
