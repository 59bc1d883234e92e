// Every kind and state of environment, decided by the whole program under runtime mocks
// against the emulated messy tenant (emulator/seeds/messy-tenant.json): which ones get
// resources, which are skipped with which reason code, which the stack keeps because
// it served them before (held), and which it reports deleted since its last update.

import { strict as assert } from "assert";

import { RunningEmulator, Seed, startEmulator } from "../../emulator";
import messy from "../../emulator/seeds/messy-tenant.json";
import { ProgramRun, runProgram } from "../support/program-runner";

const SEED = structuredClone(messy) as Seed;
// This test decides deletion itself, through the state: nothing disappears during the run.
for (const environment of SEED.environments!) delete (environment as { deleteAfterRequests?: number }).deleteAfterRequests;

const envNamed = (fragment: string): string => SEED.environments!.find((e) => e.displayName.includes(fragment))!.id;
const ACCOUNT = SEED.users!.find((u) => u.userPrincipalName.startsWith("backup@"))!;
const DELETED = "e0000099-0000-4000-8000-000000000099";
const ENVIRONMENT_USER = "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser";
const SECURITY_ROLE = "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment";
const COMPONENT = "d365-backup-access:index:ServiceAccountAccess";
const PREFIX = "urn:pulumi:contoso::d365-backup-access::";

const SERVED = [
    "Contoso Production",
    "Contoso Sandbox",
    "administration mode",
    "managed",
    "developer environment",
    "Trial",
    "(default)",
    "freshly provisioned",
    "licence still propagating",
    "deleted after",
];
const SKIPPED: Record<string, string> = {
    "Dataverse for Teams": "teams",
    "being added": "provisioning",
    "no Dataverse": "no-dataverse",
    disabled: "disabled",
};

/**
 * The state of a stack that served the disabled environment and one deleted since: with a
 * user and a role per environment (as stacks were written before one resource kept both),
 * or with that one resource (`oneResource`: the role with an access mode).
 */
function snapshot(oneResource = false) {
    const child = (type: string, name: string, environmentId: string, environmentName: string) => ({
        [`${PREFIX}${COMPONENT}$${type}::${name}`]: {
            type,
            outputs: { environmentId, environmentName, userObjectId: ACCOUNT.id, ...(oneResource ? { accessMode: "read-write" } : {}) },
        },
    });
    const disabled = envNamed("disabled");
    return {
        [`${PREFIX}${COMPONENT}::backup-service-account`]: {
            type: COMPONENT,
            outputs: { adopted: { directoryRoles: [], groupMemberships: [] }, directoryRoles: [] },
        },
        ...(oneResource ? {} : child(ENVIRONMENT_USER, `environment-user-${disabled}`, disabled, "Contoso Archive")),
        ...child(SECURITY_ROLE, `system-administrator-${disabled}`, disabled, "Contoso Archive"),
        ...(oneResource ? {} : child(ENVIRONMENT_USER, `environment-user-${DELETED}`, DELETED, "Contoso Pilot")),
        ...child(SECURITY_ROLE, `system-administrator-${DELETED}`, DELETED, "Contoso Pilot"),
    };
}

describe("program under mocks: every kind and state of environment", function () {
    this.timeout(600000);
    let emulator: RunningEmulator;
    const runs: Record<string, ProgramRun> = {};
    const config = (environments: string) => ({
        "d365-backup-access:stage": "operational",
        "d365-backup-access:serviceAccount": ACCOUNT.userPrincipalName,
        "d365-backup-access:environments": environments,
    });

    before(async () => {
        emulator = await startEmulator(SEED);
        const users = [{ objectId: ACCOUNT.id, userPrincipalName: ACCOUNT.userPrincipalName }];
        [runs.all, runs.oneResource, runs.listed] = await Promise.all([
            runProgram({ config: config('["*"]'), users, env: emulator.env, snapshot: snapshot(), preview: true }),
            runProgram({ config: config('["*"]'), users, env: emulator.env, snapshot: snapshot(true), preview: true }),
            runProgram({
                config: config(JSON.stringify([envNamed("Contoso Production"), envNamed("Dataverse for Teams"), envNamed("disabled")])),
                users,
                env: emulator.env,
                preview: true,
            }),
        ]);
    });
    after(() => emulator?.stop());

    // A served environment's one resource: the role, keeping a Read-Write user.
    const environmentsWithUser = (run: ProgramRun) =>
        run.resources.filter((r) => r.type === SECURITY_ROLE && r.inputs.accessMode === "read-write").map((r) => r.inputs.environmentId);

    it('with ["*"] every environment that can be served gets the account: Production, Sandbox, administration mode, managed, Developer, Trial, Default', () => {
        const run = runs.all;
        assert.equal(run.error, undefined, run.error);
        const served = SERVED.map(envNamed);
        assert.deepEqual(run.outputs.environments.map((e: { id: string }) => e.id).sort(), served.sort());
        for (const id of served) assert.ok(environmentsWithUser(run).includes(id), id);
    });

    it("skips each other kind with its reason code, and registers nothing for it", () => {
        const run = runs.all;
        const skipped = Object.fromEntries(run.outputs.skippedEnvironments.map((s: { id: string; reasonCode: string }) => [s.id, s.reasonCode]));
        for (const [fragment, code] of Object.entries(SKIPPED)) assert.equal(skipped[envNamed(fragment)], code, fragment);
        for (const fragment of ["Dataverse for Teams", "being added", "no Dataverse"]) {
            assert.ok(!run.resources.some((r) => r.inputs.environmentId === envNamed(fragment)), `${fragment}: no resource`);
        }
    });

    it("keeps what the stack granted in an environment it served that is disabled now: the same resources, nothing new", () => {
        const run = runs.all;
        const disabled = envNamed("disabled");
        const entry = run.outputs.skippedEnvironments.find((s: { id: string }) => s.id === disabled);
        assert.equal(entry.kept, true);
        assert.deepEqual(
            run.resources
                .filter((r) => r.inputs.environmentId === disabled)
                .map((r) => r.name)
                .sort(),
            [`environment-user-${disabled}`, `system-administrator-${disabled}`],
        );
        // Registered as written: the role without an access mode, beside its user.
        assert.equal(run.resources.find((r) => r.name === `system-administrator-${disabled}`)!.inputs.accessMode, undefined);
        assert.ok(!run.outputs.environments.some((e: { id: string }) => e.id === disabled), "not reported as served");
    });

    it("keeps a disabled environment's one resource as written too: the role with its access mode, and no user resource", () => {
        const run = runs.oneResource;
        assert.equal(run.error, undefined, run.error);
        const disabled = envNamed("disabled");
        const held = run.resources.filter((r) => r.inputs.environmentId === disabled);
        assert.deepEqual(
            held.map((r) => [r.name, r.inputs.accessMode]),
            [[`system-administrator-${disabled}`, "read-write"]],
        );
    });

    it("reports an environment deleted since the last update by its former name, and registers nothing for it", () => {
        const run = runs.all;
        const entry = run.outputs.skippedEnvironments.find((s: { id: string }) => s.id === DELETED);
        assert.deepEqual([entry.displayName, entry.reasonCode, entry.kept], ["Contoso Pilot", "deleted", false]);
        assert.ok(!run.resources.some((r) => r.inputs.environmentId === DELETED));
    });

    it("named explicitly, a Teams and a disabled environment stop the run before anything is registered, each with its reason", () => {
        const run = runs.listed;
        assert.equal(run.resources.filter((r) => r.custom).length, 0);
        assert.match(
            run.error ?? "",
            new RegExp(`${envNamed("Dataverse for Teams")} \\("Marketing team \\(Dataverse for Teams\\)"\\) cannot be served \\[teams\\]`),
        );
        assert.match(run.error ?? "", new RegExp(`${envNamed("disabled")} .* cannot be served \\[disabled\\]`));
        assert.doesNotMatch(run.error ?? "", new RegExp(envNamed("Contoso Production")));
    });
});
