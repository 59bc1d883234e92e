// The pre-run check's decisions, through the fleet's own operations on a stand-in stack
// that records every Automation API call: a refusal (the stack's settings, pending
// operations, a lock, 0.1.0 provider code) means no command that starts a provider
// (preview, up, refresh, refresh --preview-only, cancel) is run for the stack.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import type { ConfigMap } from "@pulumi/pulumi/automation";

import { checkOf, changeOf, recoverOf, statusOf, TenantRun } from "../../fleet/operations";
import { preRunCheck, stateProblems } from "../../fleet/pre-run-check";
import { StackLock } from "../../fleet/stack-health";
import { standInRun } from "../support/stand-in-stack";

const FIXTURE_STATE = path.join(__dirname, "..", "e2e", "fixtures", "state-0.1.0", "state.json");
const URN =
    "urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$azuread:index/directoryRoleAssignment:DirectoryRoleAssignment::directory-role-power-platform-administrator";

/** A stack as an operator configures it: client secret sign-in, the public cloud. */
const SOUND: Record<string, string> = {
    "azuread:tenantId": "contoso.onmicrosoft.com",
    "azuread:clientId": "4a1f6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
    "azuread:clientSecret": "not-a-real-secret",
    "d365-backup-access:serviceAccount": "backup@contoso.onmicrosoft.com",
    "d365-backup-access:environments": '["*"]',
    "d365-backup-access:stage": "operational",
};
/** The environment of the checks called directly: none of the machine's variables. */
const ENV = {};

/** The commands the check itself runs: it reads, and starts no provider. */
const READS = ["getAllConfig", "exportStack"];

interface StandIn {
    readonly run: TenantRun;
    /** Every Automation API method called on the stack, in order. */
    readonly calls: string[];
}

function standIn(config: Record<string, string>, deployment: unknown = { resources: [] }, locks: StackLock[] = []): StandIn {
    const calls: string[] = [];
    const configMap: ConfigMap = Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value, secret: false }]));
    const answers: Record<string, () => unknown> = {
        getAllConfig: () => configMap,
        exportStack: () => ({ version: 3, deployment }),
    };
    // Any other call (preview, up, refresh, previewRefresh, cancel, info, setConfig) is recorded and answers emptily.
    const run = standInRun(async (method) => {
        calls.push(method);
        return answers[method]?.() ?? { summary: { resourceChanges: {} }, changeSummary: {} };
    }, locks);
    return { run, calls };
}

/** An off-cloud metadata host: where the azuread provider would post the operator's secret during a refresh. */
const OFF_CLOUD = { ...SOUND, "azuread:metadataHost": "metadata.evil.example" };
const OFF_CLOUD_REFUSAL =
    /^The stack configuration has a problem; nothing was changed: azuread:metadataHost: "metadata\.evil\.example" is not a host of the selected cloud/;

/** Whichever process id is free now: a lock left by a process that is gone. */
function staleLock(): StackLock {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    return {
        location: "/srv/state/.pulumi/locks/organization/d365-backup-access/contoso/9f8e.json",
        user: "ops",
        host: os.hostname(),
        pid: dead,
        time: "2026-12-02T05:11:00Z",
    };
}

const PENDING = { resources: [], pending_operations: [{ resource: { urn: URN }, type: "creating" }] };

/** The variables the settings read (sign-in, endpoints, custom endpoints), which the operations take from the process. */
const SETTINGS_VARIABLES = /^(ARM_|AZURE_|D365BA_|ACTIONS_ID_TOKEN_)/;

describe("fleet: the pre-run check", () => {
    let legacyState: unknown;
    const saved: Record<string, string | undefined> = {};
    before(async () => {
        legacyState = JSON.parse(await fs.readFile(FIXTURE_STATE, "utf8")).deployment;
        // The machine's own sign-in or custom-endpoint variables must not decide (D365BA_CUSTOM_ENDPOINTS would allow any host).
        for (const name of Object.keys(process.env).filter((key) => SETTINGS_VARIABLES.test(key))) {
            saved[name] = process.env[name];
            delete process.env[name];
        }
    });
    after(() => {
        for (const [name, value] of Object.entries(saved)) process.env[name] = value;
    });

    describe("the stack's settings, with the program's checks", () => {
        it("refuses an off-cloud azuread:metadataHost, naming the key and value, before status starts its drift check", async () => {
            const { run, calls } = standIn(OFF_CLOUD);
            const outcome = await statusOf(run);
            assert.equal(outcome.result, "failed");
            assert.match(outcome.error!, OFF_CLOUD_REFUSAL);
            assert.deepEqual(calls, READS, "no refresh preview, nothing after the check");
        });

        it("refuses it before preview, up and recover run anything", async () => {
            for (const [command, operate] of [
                ["preview", (run: TenantRun) => changeOf(run, { command: "preview", stage: undefined, continueOnError: true })],
                ["up", (run: TenantRun) => changeOf(run, { command: "up", stage: "operational", continueOnError: true })],
                ["recover", (run: TenantRun) => recoverOf(run, { force: true, continueOnError: true })],
            ] as const) {
                const { run, calls } = standIn(OFF_CLOUD, PENDING, [staleLock()]);
                const outcome = await operate(run);
                assert.equal(outcome.result, "failed", command);
                assert.match(outcome.error!, OFF_CLOUD_REFUSAL, command);
                assert.deepEqual(calls, READS, `${command}: no setConfig, cancel, refresh, preview or up`);
            }
        });

        it("refuses an azuread:oidcRequestUrl without its own token, which would receive GitHub's request token", async () => {
            const { "azuread:clientSecret": _secret, ...oidc } = SOUND;
            const { run, calls } = standIn({ ...oidc, "azuread:useOidc": "true", "azuread:oidcRequestUrl": "https://tokens.evil.example/request" });
            const check = await preRunCheck(run, "check", {
                ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x",
                ACTIONS_ID_TOKEN_REQUEST_TOKEN: "github-request-token",
            });
            assert.equal(check.settings, undefined);
            assert.match(check.problems.join("\n"), /azuread:oidcRequestUrl is set but azuread:oidcRequestToken is not/);
            assert.deepEqual(calls, READS);
        });

        it("in CI (--no-stack-custom-endpoints) refuses a stack file that opts in to custom endpoints, with which any host passes", async () => {
            const opted = { ...OFF_CLOUD, "d365-backup-access:customEndpoints": "true" };
            assert.deepEqual((await preRunCheck(standIn(opted).run, "check", ENV)).problems, [], "the program's checks let any host through");
            const { run, calls } = standIn(opted);
            const outcome = await checkOf(run, { refuseStackCustomEndpoints: true });
            assert.equal(outcome.result, "failed");
            assert.match(
                outcome.error!,
                /^d365-backup-access:customEndpoints: "true" in the stack file lets the stack send tokens and credentials to hosts outside the cloud.*remove the key/,
            );
            assert.deepEqual(calls, READS);
            const fromEnvironment = await preRunCheck(
                standIn(OFF_CLOUD).run,
                "check",
                { D365BA_CUSTOM_ENDPOINTS: "true" },
                { refuseStackCustomEndpoints: true },
            );
            assert.deepEqual(fromEnvironment.problems, [], "the runner's own environment may still choose them (the emulator)");
        });

        it("passes a sound stack with nothing left in its state, running nothing but the two reads", async () => {
            const { run, calls } = standIn(SOUND);
            const check = await preRunCheck(run, "check", ENV);
            assert.deepEqual(check.problems, []);
            assert.equal(check.settings?.config.stage, "operational");
            const outcome = await checkOf(run);
            assert.deepEqual([outcome.result, outcome.stage, outcome.error], ["ok", "operational", undefined]);
            assert.deepEqual(calls, [...READS, ...READS]);
        });
    });

    describe("the stack's state", () => {
        it("refuses pending operations, saying to run fleet recover", async () => {
            const { run, calls } = standIn(SOUND, PENDING);
            const outcome = await changeOf(run, { command: "up", stage: undefined, continueOnError: true });
            assert.equal(outcome.result, "failed");
            assert.match(
                outcome.error!,
                /^the stack holds 1 pending operation \(creating directory-role-power-platform-administrator\) .*Run `npm run fleet -- recover --stacks contoso`/,
            );
            assert.deepEqual(calls, READS, "no up");
            assert.match((await checkOf(standIn(SOUND, PENDING).run)).error!, /1 pending operation/);
        });

        it("refuses a stale lock, saying to run fleet recover", async () => {
            const { run, calls } = standIn(SOUND, { resources: [] }, [staleLock()]);
            const outcome = await changeOf(run, { command: "preview", stage: undefined, continueOnError: true });
            assert.equal(outcome.result, "failed");
            assert.match(
                outcome.error!,
                /^the stack is locked by an interrupted update: stale lock .*9f8e\.json.*Run `npm run fleet -- recover --stacks contoso`\./,
            );
            assert.deepEqual(calls, READS, "no preview");
            assert.match((await checkOf(standIn(SOUND, { resources: [] }, [staleLock()]).run)).error!, /^the stack is locked by an interrupted update/);
        });

        it("refuses 0.1.0 provider code, which a refresh would run, naming the upgrade; recover too", async () => {
            for (const operate of [
                (run: TenantRun) => changeOf(run, { command: "preview", stage: undefined, continueOnError: true }),
                (run: TenantRun) => recoverOf(run, { force: false, continueOnError: true }),
                checkOf,
            ]) {
                const { run, calls } = standIn(SOUND, legacyState);
                const outcome = await operate(run);
                assert.equal(outcome.result, "failed");
                assert.match(
                    outcome.error!,
                    /provider code written by version 0\.1\.0 \(6 resources\).*every refresh .*nothing was run\. Upgrade it once with `npx pulumi up --stack contoso`/,
                );
                assert.deepEqual(calls, READS, "no refresh, preview or up");
            }
        });

        it("lets recover through a lock and pending operations (what it clears), never 0.1.0 code or refused settings", () => {
            const health = { pendingOperations: [{ type: "creating", urn: URN }], legacyProviderResources: [] };
            assert.deepEqual(stateProblems("contoso", "recover", [staleLock()], health), []);
            assert.equal(stateProblems("contoso", "up", [staleLock()], health).length, 1, "the lock (recover clears both)");
            assert.match(stateProblems("contoso", "recover", [], { pendingOperations: [], legacyProviderResources: ["a"] })[0], /0\.1\.0/);
        });
    });
});
