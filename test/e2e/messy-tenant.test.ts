// End to end: a tenant shaped like a real enterprise one (emulator/seeds/messy-tenant.json:
// 15 environments of every kind and state), with environments ["*"], through the real
// Pulumi CLI. The first update gives the account its access in every environment that can
// be served, skips the others with their reasons, and fails naming exactly the two that
// refuse (a Developer environment owned by someone else refuses the account; a new
// organisation that never admits the operator refuses every Web API call), having served all
// the rest (--continue-on-error). Then one environment is deleted and one created, the
// organisation admits the operator and the Developer environment is excluded: the next update converges without error, drops the deleted
// environment's resources without a call to it, and serves the new one. Last, the
// environment whose Dataverse was being provisioned becomes ready and is picked up.
//
// Needs the toolchain of scripts/toolchain/build.sh. Run with `npm run test:e2e`.

import { strict as assert } from "assert";

import { RunningEmulator, Seed } from "../../emulator";
import messy from "../../emulator/seeds/messy-tenant.json";
import { PulumiWorkspace } from "./support/workspace";
import { startTenantStack, stopTenantStack } from "./support/tenant";

const SYSTEM_ADMINISTRATOR = "627090ff-40a3-4053-8790-584edc5be201";
const SEED = structuredClone(messy) as Seed;
// The test deletes an environment itself, between two updates.
for (const environment of SEED.environments!) delete (environment as { deleteAfterRequests?: number }).deleteAfterRequests;
// A new organisation that keeps refusing the operator (403 "not a member of the organization").
const NEVER_ADMITTED = "e0000016-0000-4000-8000-000000000016";
SEED.environments!.push({
    ...structuredClone(SEED.environments![0]),
    id: NEVER_ADMITTED,
    displayName: "Contoso Lab (operator never admitted)",
    callerProvisionedAfterRequests: 1000000,
} as any);
const envNamed = (fragment: string): string => SEED.environments!.find((e) => e.displayName.includes(fragment))!.id;
const ACCOUNT = SEED.users!.find((u) => u.userPrincipalName.startsWith("backup@"))!;

const REFUSING = { developer: envNamed("developer environment"), neverAdmitted: NEVER_ADMITTED };
// The licence still propagating does not stop the account there: Power Platform adds a Power
// Platform Administrator without one (as Administrative), and the update sets Read-Write.
const SERVED = [
    "Contoso Production",
    "Contoso Sandbox",
    "administration mode",
    "managed",
    "Trial",
    "(default)",
    "freshly provisioned",
    "licence still propagating",
    "deleted after",
].map(envNamed);
const SKIPPED: Record<string, string> = {
    [envNamed("Dataverse for Teams")]: "teams",
    [envNamed("being added")]: "provisioning",
    [envNamed("no Dataverse")]: "no-dataverse",
    [envNamed("disabled")]: "disabled",
};
const DELETED = envNamed("deleted after");
const CREATED = envNamed("created later");
const PROVISIONING = envNamed("being added");

/** Whether the account is an enabled Read-Write user holding System Administrator in the environment. */
function served(emulator: RunningEmulator, environmentId: string): boolean {
    const environment = emulator.state().environments!.find((e) => e.id === environmentId);
    const user = environment?.systemUsers?.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT.id);
    return !!user && user.accessMode === 0 && !!user.roleTemplateIds?.includes(SYSTEM_ADMINISTRATOR);
}

async function outputs(workspace: PulumiWorkspace): Promise<any> {
    return JSON.parse((await workspace.run(["stack", "output", "--json"])).stdout);
}

/** The environment ids named on the CLI's error lines ("error:" diagnostics), once each. */
function environmentsInErrors(text: string): string[] {
    const ids = SEED.environments!.map((e) => e.id);
    const errorLines = text.split("\n").filter((line) => /error/i.test(line));
    return ids.filter((id) => errorLines.some((line) => line.includes(id))).sort();
}

describe("end to end: a messy tenant, every kind and state of environment", function () {
    this.timeout(30 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;

    before(async () => {
        ({ emulator, workspace } = await startTenantStack(SEED, {
            stack: "messy",
            account: ACCOUNT.userPrincipalName,
            stage: "operational",
            clientId: true,
            // The organisation that never admits the operator is reported after 5 s, not after the default 2 minutes.
            config: { "d365-backup-access:operatorAccessTimeoutSeconds": "5" },
        }));
    });

    after(() => stopTenantStack(emulator, workspace));

    it("1. the preview says, per environment, why it is skipped", async () => {
        const preview = await workspace.run(["preview"]);
        const text = preview.stdout + preview.stderr;
        for (const [id, code] of Object.entries(SKIPPED)) assert.match(text, new RegExp(`\\(${id}\\) skipped \\[${code}\\]`), `${id} ${code}`);
        assert.match(text, /administration mode/);
        assert.match(text, /run `pulumi up --continue-on-error`/);
    });

    it("2. the first update serves every environment that can be served and fails naming exactly the two that refuse", async () => {
        const result = await workspace.run(["up", "--yes", "--skip-preview", "--continue-on-error"], { allowFailure: true });
        const text = result.stdout + result.stderr;
        assert.notEqual(result.code, 0, "the update fails");
        for (const id of SERVED) assert.ok(served(emulator, id), `served: ${id}`);
        assert.deepEqual(environmentsInErrors(text), [REFUSING.developer, REFUSING.neverAdmitted].sort(), text);
        assert.match(text, /Developer environment/);
        assert.match(text, /not a member of the organization/);
        for (const id of Object.keys(SKIPPED)) assert.ok(!served(emulator, id), `not served: ${id}`);
        assert.ok(!served(emulator, REFUSING.developer));
    });

    it("3. after one environment is deleted and one created (and the refusals fixed), the next update converges", async () => {
        assert.ok(emulator.deleteEnvironment(DELETED));
        assert.ok(emulator.createEnvironment(CREATED));
        emulator.mutate((tenant) => {
            const environment = tenant.environments.find((e) => e.id === REFUSING.neverAdmitted)! as { callerProvisionedAfterRequests?: number };
            environment.callerProvisionedAfterRequests = 0;
        });
        await workspace.setConfig("d365-backup-access:excludeEnvironments[0]", REFUSING.developer, { path: true });
        emulator.clearRequests();

        const result = await workspace.run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
        assert.equal(result.code, 0);
        assert.ok(served(emulator, CREATED), "the new environment is served");
        assert.ok(served(emulator, REFUSING.neverAdmitted), "the organisation admits the operator now: served");
        const deletedCalls = emulator.requests().filter((r) => r.environmentId === DELETED || r.path.includes(DELETED));
        assert.deepEqual(
            deletedCalls.filter((r) => r.method !== "GET"),
            [],
            "nothing but lookups for the deleted environment",
        );

        const out = await outputs(workspace);
        const skipped = Object.fromEntries(out.skippedEnvironments.map((s: any) => [s.id, s.reasonCode]));
        assert.equal(skipped[DELETED], "deleted");
        assert.equal(skipped[REFUSING.developer], "excluded");
        const { stdout } = await workspace.run(["stack", "export"]);
        assert.ok(!stdout.includes(`system-administrator-${DELETED}`), "the deleted environment's resource left the stack");
        assert.ok(out.environments.some((e: any) => e.id === CREATED));
    });

    it("4. an environment whose Dataverse was being provisioned is picked up once it is ready", async () => {
        emulator.mutate((tenant) => {
            const environment = tenant.environments.find((e) => e.id === PROVISIONING)! as Record<string, unknown>;
            Object.assign(environment, { provisioningState: "Succeeded", instanceState: "Ready", managementState: "Ready" });
        });
        await workspace.run(["up", "--yes", "--skip-preview"]);
        assert.ok(served(emulator, PROVISIONING));
        const out = await outputs(workspace);
        assert.ok(!out.skippedEnvironments.some((s: any) => s.id === PROVISIONING));
        assert.ok(!out.skippedEnvironments.some((s: any) => s.reasonCode === "deleted"), "a deletion is reported once");
    });

    it("5. an environment the stack serves that becomes disabled is held: a refresh and an update keep its access and call nothing there", async () => {
        const production = envNamed("Contoso Production");
        const setRuntime = (state: string) =>
            emulator.mutate((tenant) => {
                (tenant.environments.find((e) => e.id === production)! as { runtimeState?: string }).runtimeState = state;
            });
        setRuntime("Disabled");
        emulator.clearRequests();
        await workspace.run(["up", "--yes", "--skip-preview", "--refresh"]);
        const out = await outputs(workspace);
        const entry = out.skippedEnvironments.find((s: any) => s.id === production);
        assert.deepEqual([entry.reasonCode, entry.kept], ["disabled", true]);
        const { stdout } = await workspace.run(["stack", "export"]);
        assert.ok(stdout.includes(`system-administrator-${production}`), "its resource stays in the stack");
        assert.deepEqual(
            emulator.requests().filter((r) => r.environmentId === production),
            [],
            "nothing was sent to its Dataverse",
        );

        setRuntime("Enabled");
        const again = await workspace.run(["preview", "--expect-no-changes"]);
        assert.equal(again.code, 0, "enabled again: served as before, nothing to change");
        assert.ok(served(emulator, production));
    });

    it("6. a preview of a stage move says to leave --continue-on-error out; at the same stage it says to pass it", async () => {
        await workspace.setConfig("d365-backup-access:stage", "reauth");
        const move = await workspace.run(["preview"]);
        assert.match(move.stdout + move.stderr, /moves the stage from operational to reauth: run it without --continue-on-error/);
        assert.doesNotMatch(move.stdout + move.stderr, /run `pulumi up --continue-on-error`/);
        await workspace.setConfig("d365-backup-access:stage", "operational");
    });
});
