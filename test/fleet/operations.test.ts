// The fleet's operations for one tenant on a stand-in stack (it records each Automation
// API call with its options, and answers with recorded engine events) and a real read of
// an emulated tenant: up and recover pass --continue-on-error unless told to stop, and a
// failed update names each environment that did not converge; status lists the skipped
// environments with their reason codes and fails a tenant missing access or drifted,
// never for a skipped environment; every Pulumi run gets the tenant's --parallel.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import type { ConfigMap, EngineEvent } from "@pulumi/pulumi/automation";

import { RunningEmulator, startEmulator } from "../../emulator";
import { changeOf, recoverOf, statusOf, TenantRun } from "../../fleet/operations";
import { DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";
import { recommendedParallel } from "../../lib/parallelism";
import { ENVIRONMENT_USER_TYPE, SECURITY_ROLE_ASSIGNMENT_TYPE } from "../../lib/previous-state";
import { SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../../providers";

const REPOSITORY = path.resolve(__dirname, "..", "..");
import { ENVIRONMENT_REFUSED, FINANCE, GROUP, PRODUCTION, RESTRICTED, ROLE_REFUSED } from "../support/continue-on-error-recordings";
import { emulatedStackValues } from "../support/emulated-stack";
import { standInRun } from "../support/stand-in-stack";

const NO_DATAVERSE = "e0000011-0000-4000-8000-000000000011";
const TEAM_GROUP = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";

/** The variables the settings read, which the operations take from the process: the machine's own must not decide. */
const SETTINGS_VARIABLES = /^(ARM_|AZURE_|D365BA_|ACTIONS_ID_TOKEN_)/;

interface Call {
    readonly method: string;
    readonly options: Record<string, unknown>;
}

/** What the stand-in stack answers: events to send to onEvent, then a result or an error. */
interface Script {
    readonly up?: { events: readonly EngineEvent[]; fails: boolean };
    readonly previewRefresh?: { events: readonly EngineEvent[] };
    /** The stack's outputs: its last update's; none when never updated. */
    readonly outputs?: Record<string, unknown> | Error;
    /** The resources of its exported checkpoint; none when never updated. */
    readonly checkpoint?: readonly unknown[];
    /** Its d365-backup-access:environments, as the stack file holds it (default ["*"]). */
    readonly environments?: string;
}

/** A checkpoint's resources for `count` environments served: each with its user and its role. */
function servedCheckpoint(count: number): unknown[] {
    return Array.from({ length: count }, (_, i) => {
        const environmentId = `c0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;
        return [ENVIRONMENT_USER_TYPE, SECURITY_ROLE_ASSIGNMENT_TYPE].map((type) => ({
            urn: `urn:pulumi:contoso::d365-backup-access::${type}::${type.split(":").pop()}-${environmentId}`,
            type,
            outputs: { environmentId, userObjectId: "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b" },
        }));
    }).flat();
}

/** The demo tenant with environments the program skips: Teams, still provisioning (added when it has none), without Dataverse. */
async function seedWithSkipped(served: boolean): Promise<any> {
    const seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
    const operator = {
        azureActiveDirectoryObjectId: seed.operator.objectId,
        applicationId: seed.operator.clientId,
        roleTemplateIds: [SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID],
    };
    if (!seed.environments.some((environment: any) => environment.sku === "Teams")) {
        // A Teams environment is bound to its team's Microsoft 365 group.
        seed.groups.push({ id: TEAM_GROUP, displayName: "Marketing team", members: [] });
        seed.environments.push({
            id: "e0000005-0000-4000-8000-000000000005",
            displayName: "Marketing team (Dataverse for Teams)",
            sku: "Teams",
            securityGroupId: TEAM_GROUP,
            systemUsers: [operator],
        });
    }
    if (!seed.environments.some((environment: any) => environment.provisioningState)) {
        seed.environments.push({
            id: "e0000009-0000-4000-8000-000000000009",
            displayName: "Contoso Service (Dataverse being added)",
            sku: "Production",
            provisioningState: "LinkedDatabaseProvisioning",
            instanceState: "NotReady",
            managementState: "Running",
            systemUsers: [operator],
        });
    }
    seed.environments.push({ id: NO_DATAVERSE, displayName: "Contoso Flows (no Dataverse)", sku: "Sandbox", dataverse: false });
    if (served) {
        // The account as the program leaves it: an enabled Read-Write user with System Administrator wherever it is served.
        const account = seed.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
        for (const environment of seed.environments.filter((e: any) => [PRODUCTION, RESTRICTED, FINANCE].includes(e.id))) {
            environment.systemUsers = environment.systemUsers.filter((user: any) => user.azureActiveDirectoryObjectId !== account.id);
            environment.systemUsers.push({ azureActiveDirectoryObjectId: account.id, accessMode: 0, roleTemplateIds: [SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID] });
        }
        seed.groups.find((group: any) => group.id === GROUP).members.push(account.id);
        // And the directory roles of the operational stage.
        for (const role of [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR])
            seed.directoryRoleAssignments.push({ principalId: account.id, roleDefinitionId: role.templateId });
    }
    return seed;
}

function standIn(emulator: RunningEmulator, script: Script): { run: TenantRun; calls: Call[]; logs: string[] } {
    const logs: string[] = [];
    const values = emulatedStackValues(emulator, "operational", script.environments);
    const config: ConfigMap = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: key.endsWith("clientSecret") }]));
    const calls: Call[] = [];
    const answers: Record<string, (options: any) => Promise<unknown>> = {
        getAllConfig: async () => config,
        setConfig: async () => undefined,
        exportStack: async () => ({ version: 3, deployment: { resources: script.checkpoint ?? [] } }),
        info: async () => undefined,
        outputs: async () => {
            if (script.outputs instanceof Error) throw script.outputs;
            return Object.fromEntries(Object.entries(script.outputs ?? {}).map(([key, value]) => [key, { value, secret: false }]));
        },
        up: async (options) => {
            for (const event of script.up?.events ?? []) options.onEvent?.(event);
            if (script.up?.fails) throw new Error("code: 255\n stderr: error: update failed");
            return { summary: { resourceChanges: { same: 9 } } };
        },
        preview: async () => ({ changeSummary: { same: 9 } }),
        previewRefresh: async (options) => {
            for (const event of script.previewRefresh?.events ?? []) options.onEvent?.(event);
            return { changeSummary: {} };
        },
    };
    const run = standInRun(async (method, options) => {
        calls.push({ method, options });
        const answer = answers[method];
        if (!answer) throw new Error(`the stand-in stack has no ${method}`);
        return answer(options);
    });
    return { run: { ...run, log: (line) => void logs.push(line), phase: (text) => void logs.push(`== ${text}`) }, calls, logs };
}

const upOptions = (calls: readonly Call[]) => calls.filter((call) => call.method === "up").map((call) => call.options);

/** A refresh preview that finds System Administrator gone in one environment. */
const DRIFT: EngineEvent = {
    sequence: 1,
    timestamp: 0,
    resOutputsEvent: {
        metadata: {
            op: "update",
            urn: `urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment::system-administrator-${FINANCE}`,
            type: "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment",
        } as never,
    },
};

describe("fleet: one tenant's operations against an emulated tenant", () => {
    const saved: Record<string, string | undefined> = {};
    let unserved: RunningEmulator;
    let served: RunningEmulator;

    before(async () => {
        for (const name of Object.keys(process.env).filter((key) => SETTINGS_VARIABLES.test(key))) {
            saved[name] = process.env[name];
            delete process.env[name];
        }
        unserved = await startEmulator(await seedWithSkipped(false), { warn: () => undefined });
        served = await startEmulator(await seedWithSkipped(true), { warn: () => undefined });
    });
    after(async () => {
        await unserved?.stop();
        await served?.stop();
        for (const [name, value] of Object.entries(saved)) process.env[name] = value;
    });

    describe("up and recover", () => {
        it("up runs with continueOnError by default, and without it when told to stop on error", async () => {
            for (const continueOnError of [true, false]) {
                const { run, calls } = standIn(served, {});
                const outcome = await changeOf(run, { command: "up", stage: undefined, continueOnError });
                assert.equal(outcome.result, "ok", outcome.error);
                assert.deepEqual(
                    upOptions(calls).map((options) => options.continueOnError),
                    [continueOnError],
                );
                assert.deepEqual([outcome.notConverged, outcome.failedResources], [[], []]);
            }
        });

        it("recover's update runs with continueOnError by default, and without it when told to stop on error", async () => {
            for (const continueOnError of [true, false]) {
                const { run, calls } = standIn(served, {});
                const outcome = await recoverOf(run, { force: false, continueOnError });
                assert.equal(outcome.result, "ok", outcome.error);
                assert.deepEqual(
                    upOptions(calls).map((options) => [options.continueOnError, options.refresh]),
                    [[continueOnError, true]],
                );
            }
        });

        it("recover removes the update history's unreadable metadata files first, and says how many", async () => {
            const { run, calls } = standIn(served, {});
            const outcome = await recoverOf(
                {
                    ...run,
                    repairHistory: async () => (calls.some((call) => ["refresh", "up"].includes(call.method)) ? assert.fail("after the refresh or update") : 2),
                },
                { force: false, continueOnError: true },
            );
            assert.equal(outcome.result, "ok", outcome.error);
            assert.deepEqual(outcome.recovery, ["2 unreadable history metadata files removed", "no pending operations"]);
            const clean = standIn(served, {});
            assert.deepEqual((await recoverOf(clean.run, { force: false, continueOnError: true })).recovery, ["no pending operations"]);
        });

        it("a stage move stops at the first failure, so nothing the stage drops is removed after a refused grant; the same stage continues", async () => {
            const cases: Array<[string, { stage: "operational" | undefined; applied: string | undefined }, boolean]> = [
                ["moving from bootstrap to operational (--stage)", { stage: "operational", applied: "bootstrap" }, false],
                ["the stack file's stage ahead of the last update", { stage: undefined, applied: "bootstrap" }, false],
                ["the same stage", { stage: undefined, applied: "operational" }, true],
                ["a new stack (no outputs yet)", { stage: undefined, applied: undefined }, true],
            ];
            for (const [what, { stage, applied }, continues] of cases) {
                const { run, calls } = standIn(served, { outputs: applied ? { stage: applied } : {} });
                await changeOf(run, { command: "up", stage, continueOnError: true });
                assert.deepEqual(
                    upOptions(calls).map((options) => options.continueOnError),
                    [continues],
                    what,
                );
            }
            const { run, calls } = standIn(served, { outputs: { stage: "bootstrap" } });
            await recoverOf(run, { force: false, continueOnError: true });
            assert.deepEqual(
                upOptions(calls).map((options) => options.continueOnError),
                [false],
                "recover into another stage",
            );
        });

        it("preview and up refresh from the tenant first only when asked (--refresh, as the tenants workflow runs them)", async () => {
            for (const command of ["preview", "up"] as const) {
                for (const refresh of [undefined, false, true]) {
                    const { run, calls } = standIn(served, {});
                    const outcome = await changeOf(run, { command, stage: undefined, continueOnError: true, refresh });
                    assert.equal(outcome.result, "ok", outcome.error);
                    assert.deepEqual(
                        calls.filter((call) => call.method === command).map((call) => call.options.refresh),
                        [refresh === true],
                        `${command} with refresh ${refresh}`,
                    );
                }
            }
        });

        it("every Pulumi run gets the --parallel recommended for the environments of the stack's last update, and says so", async () => {
            const served200 = { checkpoint: servedCheckpoint(200) };
            const expected = recommendedParallel(200)!;
            assert.ok(expected > 8, String(expected));
            const up = standIn(served, served200);
            assert.equal((await changeOf(up.run, { command: "up", stage: undefined, continueOnError: true })).result, "ok");
            assert.deepEqual(
                upOptions(up.calls).map((options) => options.parallel),
                [expected],
            );
            assert.ok(up.logs.includes(`== pulumi up --parallel ${expected} (200 environments in its last update)`), up.logs.join("\n"));
            const preview = standIn(served, served200);
            await changeOf(preview.run, { command: "preview", stage: undefined, continueOnError: true });
            assert.deepEqual(
                preview.calls.filter((call) => call.method === "preview").map((call) => call.options.parallel),
                [expected],
            );
            const recover = standIn(served, served200);
            await recoverOf(recover.run, { force: false, continueOnError: true });
            assert.deepEqual(
                upOptions(recover.calls).map((options) => options.parallel),
                [expected],
            );
            const status = standIn(served, served200);
            await statusOf(status.run);
            assert.deepEqual(
                status.calls.filter((call) => call.method === "previewRefresh").map((call) => call.options.parallel),
                [expected],
            );
        });

        it("the user's --parallel wins over the recommendation", async () => {
            const { run, calls, logs } = standIn(served, { checkpoint: servedCheckpoint(200) });
            await changeOf(run, { command: "up", stage: undefined, continueOnError: true, parallel: 3 });
            assert.deepEqual(
                upOptions(calls).map((options) => options.parallel),
                [3],
            );
            assert.ok(logs.includes("== pulumi up --parallel 3 (as asked)"), logs.join("\n"));
        });

        it("listed ids are counted from the stack file; a stack never updated with every environment, from the tenant's listing", async () => {
            const ids = Array.from({ length: 120 }, (_, i) => `d0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`);
            const listed = standIn(served, { environments: JSON.stringify(ids) });
            await changeOf(listed.run, { command: "preview", stage: undefined, continueOnError: true });
            assert.deepEqual(
                listed.calls.filter((call) => call.method === "preview").map((call) => call.options.parallel),
                [recommendedParallel(120)],
            );
            assert.ok(listed.logs.includes(`== pulumi preview --parallel ${recommendedParallel(120)} (120 environments listed in its stack file)`));
            // The demo tenant: a few environments to serve, so no flag and the engine's default.
            const fresh = standIn(served, {});
            await changeOf(fresh.run, { command: "up", stage: undefined, continueOnError: true });
            assert.deepEqual(
                upOptions(fresh.calls).map((options) => options.parallel),
                [undefined],
            );
            assert.ok(
                fresh.logs.some((line) => /^== pulumi up \(engine's default --parallel: \d environments to serve in the tenant\)$/.test(line)),
                fresh.logs.join("\n"),
            );
        });

        it("preview passes no continueOnError (an update's option)", async () => {
            const { run, calls } = standIn(served, {});
            await changeOf(run, { command: "preview", stage: undefined, continueOnError: true });
            assert.ok(!calls.some((call) => "continueOnError" in call.options), JSON.stringify(calls.map((call) => call.method)));
        });

        it("a failed update names each environment that did not converge, the group's environments from the tenant read after it", async () => {
            for (const operate of [
                (run: TenantRun) => changeOf(run, { command: "up", stage: undefined, continueOnError: true }),
                (run: TenantRun) => recoverOf(run, { force: false, continueOnError: true }),
            ]) {
                const { run } = standIn(unserved, { up: { events: ENVIRONMENT_REFUSED, fails: true } });
                const outcome = await operate(run);
                assert.equal(outcome.result, "failed");
                assert.deepEqual(
                    outcome.notConverged!.map((entry) => entry.environmentId),
                    [PRODUCTION, RESTRICTED],
                );
                assert.match(
                    outcome.error!,
                    new RegExp(
                        `^did not converge: ${PRODUCTION}: Power Platform admin API \\(BAP\\) refused add the account to the environment \\(addUser\\): .*; ` +
                            `${RESTRICTED}: the account could not join its security group ${GROUP}: Adding member .*Insufficient privileges to complete the operation\\.$`,
                    ),
                );
                assert.deepEqual(outcome.failedResources, []);
                assert.ok(outcome.tenant, "the tenant was read after the update");
            }
        });

        it("a failed update where no environment failed keeps the engine's reason (a refused directory role)", async () => {
            const { run } = standIn(served, { up: { events: ROLE_REFUSED, fails: true } });
            const outcome = await changeOf(run, { command: "up", stage: undefined, continueOnError: true });
            assert.equal(outcome.result, "failed");
            assert.match(outcome.error!, /^Assigning directory role "11648597-926c-4cf3-9c36-bcebb0ba8dcc" to directory principal .*403/);
            assert.deepEqual(outcome.notConverged, []);
            assert.deepEqual(
                outcome.failedResources!.map((entry) => entry.resource),
                ["directory-role-power-platform-administrator"],
            );
        });
    });

    describe("status", () => {
        it("lists the skipped environments with their reason codes, and passes a tenant where every environment to serve is ready", async () => {
            const { run, calls } = standIn(served, {});
            const outcome = await statusOf(run);
            assert.equal(outcome.result, "ok", outcome.error);
            assert.deepEqual(outcome.drift, []);
            assert.deepEqual(
                outcome.tenant!.environments.map((environment) => [environment.id, environment.ok]),
                [PRODUCTION, RESTRICTED, FINANCE].map((id) => [id, true]),
            );
            // Every environment but the three served, in the tenant's order, each with the code its kind and state call for.
            const expected = served
                .state()
                .environments!.filter((environment) => ![PRODUCTION, RESTRICTED, FINANCE].includes(environment.id))
                .map((environment: any) => [
                    environment.id,
                    environment.sku === "Teams" ? "teams" : environment.dataverse === false ? "no-dataverse" : "provisioning",
                    environment.sku,
                ]);
            assert.deepEqual(new Set(expected.map(([, code]) => code)), new Set(["teams", "provisioning", "no-dataverse"]));
            assert.deepEqual(
                outcome.tenant!.skipped.map((entry) => [entry.id, entry.reasonCode, entry.kind]),
                expected,
            );
            for (const entry of outcome.tenant!.skipped) assert.ok(entry.reason.length > 0, entry.id);
            assert.deepEqual(calls.map((call) => call.method).sort(), ["exportStack", "getAllConfig", "info", "outputs", "previewRefresh"]);
        });

        it("fails a tenant whose account misses access in an environment to serve, naming each, and not the skipped ones", async () => {
            const { run } = standIn(unserved, {});
            const outcome = await statusOf(run);
            assert.equal(outcome.result, "failed");
            assert.match(
                outcome.error!,
                new RegExp(
                    `^missing: directory role Dynamics 365 Administrator; directory role Power Platform Administrator; Contoso Production \\(${PRODUCTION}\\): not a user; Contoso Sales \\(restricted\\) \\(${RESTRICTED}\\): not a user; Contoso Finance \\(${FINANCE}\\): user, administrative, no System Administrator$`,
                ),
            );
            assert.ok(outcome.tenant!.skipped.length >= 3);
            for (const skipped of outcome.tenant!.skipped) assert.doesNotMatch(outcome.error!, new RegExp(skipped.id));
        });

        it("fails a tenant missing a directory role of the stage it is in: its last update's, else the stack's", async () => {
            // The stack file says operational, which the account holds; its last update applied bootstrap.
            const { run } = standIn(served, { outputs: { stage: "bootstrap" } });
            const outcome = await statusOf(run);
            assert.equal(outcome.result, "failed");
            assert.equal(outcome.error, "missing: directory role Global Administrator");
            for (const outputs of [{ stage: "operational" }, {}, new Error("the state could not be read")]) {
                const { run: other } = standIn(served, { outputs });
                assert.equal((await statusOf(other)).result, "ok", String(outputs));
            }
        });

        it("fails a tenant that drifted, naming what a refresh would change", async () => {
            const { run } = standIn(served, { previewRefresh: { events: [DRIFT] } });
            const outcome = await statusOf(run);
            assert.equal(outcome.result, "failed");
            assert.equal(outcome.error, `drifted: system-administrator-${FINANCE}`);
            assert.deepEqual(outcome.drift, [`system-administrator-${FINANCE}`]);
        });
    });
});
