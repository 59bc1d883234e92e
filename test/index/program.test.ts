// The whole program under Pulumi runtime mocks, one process per configuration (the
// Pulumi runtime is global). Resources are mocked; the program's own checks of the
// tenant (environments, licence) read the tenant emulator, as they would a real tenant.

import { strict as assert } from "assert";

import { RunningEmulator, startEmulator } from "../../emulator";
import { ProgramRun, ProgramRunOptions, runProgram } from "../support/program-runner";
import { ACCOUNT, GROUP, heldAlready, OPERATOR_OBJECT_ID, PLAIN, programTenant, RESTRICTED, SECOND_USER_OBJECT_ID, TEMPLATE } from "../support/program-tenant";

const UNLICENSED = { objectId: SECOND_USER_OBJECT_ID, userPrincipalName: "nolicence@contoso.onmicrosoft.com" };
const NO_DATAVERSE = "2b6e8c5a-3d4f-4e7a-8b9c-1d2e3f4a5b6c";
const UNKNOWN = "3c7f9d6b-4e5a-4f8b-9c0d-2e3f4a5b6c7d";
const SEED = programTenant({ userPrincipalName: UNLICENSED.userPrincipalName, licenses: [] }, [
    { id: NO_DATAVERSE, displayName: "Flows sandbox", sku: "Sandbox", dataverse: false },
]);

const ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
const GROUP_MEMBER = "azuread:index/groupMember:GroupMember";
const ENVIRONMENT_USER = "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser";
const SECURITY_ROLE = "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment";
const TIME_BOUND_ROLE = "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment";
/** The directory resolving the configured account to the identity the program signs in as. */
const SELF = { objectId: OPERATOR_OBJECT_ID, userPrincipalName: "admin@contoso.onmicrosoft.com" };
const STAGES = ["bootstrap", "operational", "reauth"];

function configFor(stage: string, overrides: Record<string, string> = {}): Record<string, string> {
    return {
        "d365-backup-access:stage": stage,
        "d365-backup-access:serviceAccount": ACCOUNT.userPrincipalName,
        "d365-backup-access:environments": '["*"]',
        ...overrides,
    };
}

const ofType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
const roleIds = (run: ProgramRun) =>
    ofType(run, ROLE_ASSIGNMENT)
        .map((r) => r.inputs.roleId)
        .sort();
const urnOfRole = (run: ProgramRun, templateId: string) => ofType(run, ROLE_ASSIGNMENT).find((r) => r.inputs.roleId === templateId)?.urn;
const named = (run: ProgramRun, name: string) => run.resources.find((r) => r.name === name);
/** The account's look-ups (the program also asks the engine for the stack's previous state). */
const lookups = (run: ProgramRun) => run.invokes.filter((i) => i.token === "azuread:index/getUser:getUser");
const lookedUp = (run: ProgramRun) => lookups(run).map(({ token, inputs }) => ({ token, inputs }));
/** Asserts the run stopped before it looked the account up, registering nothing; returns its error. */
const stoppedBeforeTheAccount = (run: ProgramRun): string => {
    assert.equal(run.resources.length, 0, "nothing registered");
    assert.equal(lookups(run).length, 0, "the account is not looked up");
    return run.error ?? "";
};

describe("program under mocks", function () {
    // One child process per configuration: the setup takes as long as the machine is busy, so the
    // bound only catches a hang.
    this.timeout(600000);
    let emulator: RunningEmulator;
    let brownfield: RunningEmulator;
    let stopped: RunningEmulator;
    let withoutP2: RunningEmulator;
    const runs: Record<string, ProgramRun> = {};

    before(async () => {
        emulator = await startEmulator(SEED);
        // A tenant where the account already holds Dynamics 365 Administrator and is in the group.
        brownfield = await startEmulator(heldAlready(SEED, [TEMPLATE.dynamicsAdministrator]));
        // A tenant that is gone: its endpoints refuse connections, as a stopped emulator's do.
        stopped = await startEmulator(SEED);
        await stopped.stop();
        withoutP2 = await startEmulator({ ...SEED, entraIdP2: false });

        const users = [ACCOUNT, UNLICENSED];
        const scenarios: Record<string, Omit<ProgramRunOptions, "env">> = {
            bootstrap: { config: configFor("bootstrap"), users },
            operational: { config: configFor("operational"), users },
            reauth: { config: configFor("reauth"), users },
            listed: { config: configFor("operational", { "d365-backup-access:environments": JSON.stringify([PLAIN]) }), users },
            byObjectId: { config: configFor("operational", { "d365-backup-access:serviceAccount": ACCOUNT.objectId }), users },
            preview: { config: configFor("bootstrap"), users, preview: true },
            badConfig: {
                config: configFor("promote", {
                    "d365-backup-access:serviceAccount": "not an account",
                    "d365-backup-access:environments": JSON.stringify(["*", PLAIN]),
                }),
                users,
            },
            unknownAccount: { config: configFor("bootstrap"), users: [] },
            badConfigAndClientSetting: {
                config: configFor("promote", { "d365-backup-access:pollIntervalSeconds": "soon" }),
                users,
            },
            wrongSecret: { config: configFor("bootstrap", { "azuread:clientSecret": "not-the-secret" }), users },
            noCredentials: { config: configFor("bootstrap", { "azuread:useCli": "false" }), users },
            unreachable: { config: configFor("bootstrap"), users },
            badEnvironments: {
                config: configFor("operational", { "d365-backup-access:environments": JSON.stringify([PLAIN, UNKNOWN, NO_DATAVERSE]) }),
                users,
            },
            unlicensed: { config: configFor("bootstrap", { "d365-backup-access:serviceAccount": UNLICENSED.userPrincipalName }), users },
            unlicensedAllowed: {
                config: configFor("bootstrap", {
                    "d365-backup-access:serviceAccount": UNLICENSED.userPrincipalName,
                    "d365-backup-access:requireDynamicsLicense": "false",
                }),
                users,
            },
        };
        scenarios.brownfield = { config: configFor("operational"), users };
        scenarios.elevated = { config: configFor("bootstrap", { "d365-backup-access:elevationHours": "2" }), users };
        scenarios.elevatedReauth = {
            config: configFor("reauth", { "d365-backup-access:elevationHours": "4", "d365-backup-access:elevationJustification": "CHG-1234 re-authenticate" }),
            users,
        };
        scenarios.elevatedOperational = { config: configFor("operational", { "d365-backup-access:elevationHours": "2" }), users };
        scenarios.elevatedWithoutP2 = { config: configFor("bootstrap", { "d365-backup-access:elevationHours": "2" }), users, preview: true };
        scenarios.operatorIsAccount = {
            config: configFor("bootstrap", { "d365-backup-access:serviceAccount": SELF.userPrincipalName }),
            users: [SELF],
            preview: true,
        };
        const environmentFor = (name: string): Record<string, string> => {
            if (name === "brownfield") return brownfield.env;
            if (name === "elevatedWithoutP2") return withoutP2.env;
            if (name === "unreachable") return stopped.env;
            if (name === "noCredentials") {
                const { ARM_CLIENT_SECRET: _secret, ...rest } = emulator.env;
                return { ...rest, ARM_CLIENT_SECRET: "" };
            }
            return emulator.env;
        };
        // Two at a time: each run is a Node process of its own.
        const names = Object.keys(scenarios);
        for (let i = 0; i < names.length; i += 2) {
            const batch = names.slice(i, i + 2);
            const results = await Promise.all(batch.map((name) => runProgram({ ...scenarios[name], env: environmentFor(name) })));
            batch.forEach((name, index) => (runs[name] = results[index]));
        }
    });

    after(async () => {
        await emulator?.stop();
        await brownfield?.stop();
        await withoutP2?.stop();
    });

    it("adopts a directory role and a group membership the account already holds, creating the rest", () => {
        const run = runs.brownfield;
        assert.equal(run.error, undefined, run.error);
        const held = brownfield.state().directoryRoleAssignments!.find((a) => a.principalId === ACCOUNT.objectId)!;
        const dynamics = ofType(run, ROLE_ASSIGNMENT).find((r) => r.inputs.roleId === TEMPLATE.dynamicsAdministrator)!;
        const powerPlatform = ofType(run, ROLE_ASSIGNMENT).find((r) => r.inputs.roleId === TEMPLATE.powerPlatformAdministrator)!;
        assert.equal(dynamics.importId, `/roleManagement/directory/roleAssignments/${held.id}`);
        assert.equal(powerPlatform.importId, undefined);
        assert.equal(ofType(run, GROUP_MEMBER)[0].importId, `${GROUP}/member/${ACCOUNT.objectId}`);
        assert.equal(ofType(runs.operational, GROUP_MEMBER)[0].importId, undefined);
    });

    it("runs every valid configuration without error", () => {
        for (const name of ["bootstrap", "operational", "reauth", "listed", "byObjectId", "preview", "unlicensedAllowed"]) {
            assert.equal(runs[name].error, undefined, `${name}: ${runs[name].error}`);
        }
    });

    it("bootstrap assigns Global Administrator and Dynamics 365 Administrator", () => {
        assert.deepEqual(roleIds(runs.bootstrap), [TEMPLATE.globalAdministrator, TEMPLATE.dynamicsAdministrator].sort());
    });

    it("operational assigns Dynamics 365 Administrator and Power Platform Administrator, not Global Administrator", () => {
        assert.deepEqual(roleIds(runs.operational), [TEMPLATE.dynamicsAdministrator, TEMPLATE.powerPlatformAdministrator].sort());
    });

    it("reauth assigns all three", () => {
        assert.deepEqual(roleIds(runs.reauth), [TEMPLATE.globalAdministrator, TEMPLATE.dynamicsAdministrator, TEMPLATE.powerPlatformAdministrator].sort());
    });

    it("assigns every role to the resolved account, tenant-wide", () => {
        for (const stage of STAGES) {
            for (const assignment of ofType(runs[stage], ROLE_ASSIGNMENT)) {
                assert.equal(assignment.inputs.principalObjectId, ACCOUNT.objectId);
                assert.equal(assignment.inputs.directoryScopeId, "/");
            }
        }
    });

    it("resolves the account by UPN or by object id through azuread.getUser", () => {
        assert.deepEqual(lookedUp(runs.bootstrap), [{ token: "azuread:index/getUser:getUser", inputs: { userPrincipalName: ACCOUNT.userPrincipalName } }]);
        assert.deepEqual(lookedUp(runs.byObjectId), [{ token: "azuread:index/getUser:getUser", inputs: { objectId: ACCOUNT.objectId } }]);
        assert.equal(runs.byObjectId.outputs.serviceAccountObjectId, ACCOUNT.objectId);
    });

    it("keeps the same URN for a resource in every stage", () => {
        const dynamics = STAGES.map((s) => urnOfRole(runs[s], TEMPLATE.dynamicsAdministrator));
        assert.ok(dynamics[0]);
        assert.equal(new Set(dynamics).size, 1, dynamics.join("\n"));
        assert.equal(urnOfRole(runs.bootstrap, TEMPLATE.globalAdministrator), urnOfRole(runs.reauth, TEMPLATE.globalAdministrator));
        assert.equal(urnOfRole(runs.operational, TEMPLATE.powerPlatformAdministrator), urnOfRole(runs.reauth, TEMPLATE.powerPlatformAdministrator));
        const users = STAGES.map((s) =>
            ofType(runs[s], SECURITY_ROLE)
                .map((r) => r.urn)
                .sort()
                .join(),
        );
        assert.equal(new Set(users).size, 1);
    });

    it("parents every resource to the component", () => {
        const component = runs.operational.resources.find((r) => !r.custom);
        assert.equal(component?.type, "d365-backup-access:index:ServiceAccountAccess");
        for (const resource of runs.operational.resources.filter((r) => r.custom)) {
            assert.match(resource.urn, /::d365-backup-access:index:ServiceAccountAccess\$/);
        }
    });

    it("registers one resource per environment with Dataverse, in every stage: System Administrator for a Read-Write user", () => {
        for (const stage of STAGES) {
            const roles = ofType(runs[stage], SECURITY_ROLE);
            assert.deepEqual(ofType(runs[stage], ENVIRONMENT_USER), [], stage);
            assert.deepEqual(roles.map((r) => r.inputs.environmentId).sort(), [PLAIN, RESTRICTED].sort(), stage);
            for (const role of roles) {
                assert.equal(role.inputs.userObjectId, ACCOUNT.objectId);
                assert.equal(role.inputs.accessMode, "read-write");
                assert.equal(role.inputs.roleTemplateId, "627090ff-40a3-4053-8790-584edc5be201");
            }
        }
    });

    it("adds the account to the security group of a restricted environment, before adding it to the environment", () => {
        const members = ofType(runs.operational, GROUP_MEMBER);
        assert.equal(members.length, 1);
        assert.deepEqual(members[0].inputs, { groupObjectId: GROUP, memberObjectId: ACCOUNT.objectId });
        assert.ok(named(runs.operational, `system-administrator-${RESTRICTED}`)!.dependencies.includes(members[0].urn));
        assert.deepEqual(named(runs.operational, `system-administrator-${PLAIN}`)!.dependencies, []);
    });

    it("takes only the listed environments when ids are given", () => {
        assert.deepEqual(
            ofType(runs.listed, SECURITY_ROLE).map((u) => u.inputs.environmentId),
            [PLAIN],
        );
        assert.equal(ofType(runs.listed, GROUP_MEMBER).length, 0);
    });

    it("exports stage, account, roles held, environments, skipped environments and next steps", () => {
        const { outputs } = runs.bootstrap;
        assert.equal(outputs.stage, "bootstrap");
        assert.equal(outputs.serviceAccountObjectId, ACCOUNT.objectId);
        assert.deepEqual(outputs.directoryRoles, ["Global Administrator", "Dynamics 365 Administrator"]);
        assert.match(outputs.nextSteps, /create the Dynamics 365 connector/);
        assert.match(outputs.nextSteps, /--stack contoso d365-backup-access:stage operational/);
        const restricted = outputs.environments.find((e: any) => e.id === RESTRICTED);
        assert.equal(restricted.name, "Contoso Sales");
        assert.match(restricted.dataverseUrl, /^https:\/\/127\.0\.0\.1:\d+\/$/);
        assert.equal(restricted.systemUserId, `system-administrator-${RESTRICTED}-systemuserid`);
        assert.equal(restricted.accessMode, "read-write");
        assert.equal(restricted.role, "System Administrator");
        assert.equal(restricted.securityGroupId, GROUP);
        assert.deepEqual(outputs.skippedEnvironments, [
            {
                id: NO_DATAVERSE,
                displayName: "Flows sandbox",
                kind: "Sandbox",
                reasonCode: "no-dataverse",
                reason: "no Dataverse database, so no Dynamics 365 data to back up",
                kept: false,
            },
        ]);
    });

    it("registers the same resources in a preview", () => {
        assert.deepEqual(runs.preview.resources.map((r) => r.urn).sort(), runs.bootstrap.resources.map((r) => r.urn).sort());
        assert.equal(runs.preview.outputs.stage, "bootstrap");
    });

    it("bad configuration registers nothing, calls nothing and lists every problem at once", () => {
        const error = stoppedBeforeTheAccount(runs.badConfig);
        assert.match(error, /3 problems/);
        assert.match(error, /stage: "promote" is not a stage/);
        assert.match(error, /serviceAccount: "not an account"/);
        assert.match(error, /"\*" cannot be mixed with environment ids/);
    });

    it("checks the program's keys and the clients' keys in one pass: one message for every problem", () => {
        const error = stoppedBeforeTheAccount(runs.badConfigAndClientSetting);
        assert.match(error, /2 problems/);
        assert.match(error, /stage: "promote" is not a stage/);
        assert.match(error, /d365-backup-access:pollIntervalSeconds: "soon" is not a number of seconds/);
    });

    it("a wrong client secret is reported as the operator's sign-in failing, not as the account", () => {
        const error = stoppedBeforeTheAccount(runs.wrongSecret);
        assert.match(error, /^Signing in for \S+ with the client secret of application \S+ in tenant \S+ failed: .*AADSTS7000215/s);
        assert.match(error, /Fix: check the azuread:\* settings or ARM_\* variables/);
        assert.doesNotMatch(error, /could not be resolved|not-the-secret/);
    });

    it("no credentials at all is a configuration problem that names what to set", () => {
        const error = stoppedBeforeTheAccount(runs.noCredentials);
        assert.match(error, /^The stack configuration has a problem; nothing was changed/);
        assert.match(error, /No sign-in method is configured and azuread:useCli is false\. Set one of: azuread:clientId \+ azuread:clientSecret/);
    });

    it("an unreachable tenant endpoint is named, with its host and the setting that chose it, and fails without retrying", () => {
        // The metadata host is read first: it names the endpoints the azuread provider signs in with.
        const host = stopped.env.ARM_METADATA_HOSTNAME;
        const error = stoppedBeforeTheAccount(runs.unreachable);
        assert.ok(error.startsWith(`Cannot reach the cloud metadata endpoint at ${host}, from ARM_METADATA_HOSTNAME, for `), error);
        assert.match(error, /ECONNREFUSED/);
        assert.match(error, /Fix: check that ARM_METADATA_HOSTNAME names a host that is up and reachable from here/);
        assert.doesNotMatch(error, /could not be resolved|retr(y|ies)/);
    });

    it("an account missing from the directory registers nothing", () => {
        assert.equal(runs.unknownAccount.resources.length, 0);
        assert.match(runs.unknownAccount.error ?? "", /serviceAccount: backup@contoso.onmicrosoft.com could not be resolved in the tenant/);
    });

    it("an unknown environment and a listed one without Dataverse register nothing and are both reported", () => {
        const run = runs.badEnvironments;
        assert.equal(run.resources.length, 0);
        assert.match(run.error ?? "", new RegExp(`${UNKNOWN} is not an environment of this tenant`));
        assert.match(run.error ?? "", new RegExp(`${NO_DATAVERSE} \\("Flows sandbox"\\) cannot be served \\[no-dataverse\\]: no Dataverse database`));
    });

    it("an unlicensed account registers nothing and the error names the account and the accepted licences", () => {
        const run = runs.unlicensed;
        assert.equal(run.resources.length, 0);
        assert.match(run.error ?? "", /nolicence@contoso.onmicrosoft.com has no Dynamics 365 licence/);
        assert.match(run.error ?? "", /DYN365_ENTERPRISE_PLAN1/);
        assert.match(run.error ?? "", /requireDynamicsLicense/);
    });

    it("requireDynamicsLicense false lets an unlicensed account through", () => {
        assert.equal(ofType(runs.unlicensedAllowed, SECURITY_ROLE).length, 2);
    });

    describe("time-bound Global Administrator (elevationHours)", () => {
        it("grants Global Administrator through PIM for the configured hours, and the other roles permanently", () => {
            const run = runs.elevated;
            assert.equal(run.error, undefined, run.error);
            assert.deepEqual(roleIds(run), [TEMPLATE.dynamicsAdministrator]);
            const [elevation] = ofType(run, TIME_BOUND_ROLE);
            assert.equal(ofType(run, TIME_BOUND_ROLE).length, 1);
            assert.equal(elevation.name, "time-bound-global-administrator");
            assert.deepEqual(
                [elevation.inputs.roleId, elevation.inputs.principalObjectId, elevation.inputs.elevationHours],
                [TEMPLATE.globalAdministrator, ACCOUNT.objectId, 2],
            );
            assert.equal(elevation.inputs.justification, "Create the Dynamics 365 backup connector (d365-backup-access, stage bootstrap, stack contoso).");
            assert.deepEqual(run.outputs.directoryRoles, ["Global Administrator", "Dynamics 365 Administrator"]);
        });

        it("takes the operator's justification, and reauth is time-bound too", () => {
            const [elevation] = ofType(runs.elevatedReauth, TIME_BOUND_ROLE);
            assert.deepEqual([elevation.inputs.justification, elevation.inputs.elevationHours], ["CHG-1234 re-authenticate", 4]);
            assert.deepEqual(roleIds(runs.elevatedReauth), [TEMPLATE.powerPlatformAdministrator, TEMPLATE.dynamicsAdministrator].sort());
        });

        it("operational holds no Global Administrator of either kind", () => {
            assert.equal(runs.elevatedOperational.error, undefined, runs.elevatedOperational.error);
            assert.equal(ofType(runs.elevatedOperational, TIME_BOUND_ROLE).length, 0);
            assert.deepEqual(roleIds(runs.elevatedOperational), roleIds(runs.operational));
        });

        it("a tenant without Entra ID P2 fails in preview, naming the licence and the alternative, and registers nothing", () => {
            const run = runs.elevatedWithoutP2;
            assert.equal(run.resources.length, 0);
            assert.match(run.error ?? "", /elevationHours is set, but the tenant has no Microsoft Entra ID P2 \(Graph answered AadPremiumLicenseRequired\)/);
            assert.match(run.error ?? "", /unset d365-backup-access:elevationHours to grant a permanent assignment/);
        });
    });

    it("refuses in preview an account that is the operator's own identity, registering nothing", () => {
        const run = runs.operatorIsAccount;
        assert.equal(run.resources.length, 0);
        assert.match(run.error ?? "", /serviceAccount: admin@contoso\.onmicrosoft\.com is the operator's own identity/);
        assert.match(run.error ?? "", /would demote itself/);
    });

    it("signs in and looks the account up while the engine reads the previous state, and lists the environments during the lookup", async () => {
        // Its own tenant: the request log then holds this run's requests only.
        const tenant = await startEmulator(SEED);
        try {
            const run = await runProgram({ config: configFor("operational"), users: [ACCOUNT], invokeDelayMs: 500, env: tenant.env });
            assert.equal(run.error, undefined, run.error);
            const during = (request: { startMs: number } | undefined, token: string, what: string) => {
                const invoke = run.invokes.find((i) => i.token === token)!;
                assert.ok(request, `${what}: no such request`);
                assert.ok(request.startMs < invoke.answeredMs, `${what} began ${request.startMs - invoke.answeredMs} ms after ${token} answered`);
            };
            const requests = tenant.requests();
            during(
                requests.find((r) => r.service === "login"),
                "pulumi:pulumi:readStackResourceOutputs",
                "the operator's sign-in",
            );
            const lookup = lookups(run)[0];
            during({ startMs: lookup.calledMs }, "pulumi:pulumi:readStackResourceOutputs", "the account's lookup");
            during(
                requests.find((r) => r.service === "bap" && r.method === "GET" && /\/scopes\/admin\/environments\?/.test(r.path)),
                "azuread:index/getUser:getUser",
                "the environments' listing",
            );
        } finally {
            await tenant.stop();
        }
    });
});
