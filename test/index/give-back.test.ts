// What destroy and removal give back, decided by the program: the origin of each
// directory role and group membership (granted by the stack, or held before it and
// adopted), read from the stack's previous state and the tenant; retainOnDelete on
// adopted ones, never on Global Administrator; and the operator's own grants in the
// state refused. Runs the whole program under runtime mocks, one process per case,
// with the engine's readStackResourceOutputs answered from a given checkpoint.

import { strict as assert } from "assert";

import { RunningEmulator, startEmulator } from "../../emulator";
import { ProgramRun, ProgramRunOptions, runProgram } from "../support/program-runner";
import { ACCOUNT, GROUP, heldAlready, OPERATOR_OBJECT_ID, PLAIN, programTenant, RESTRICTED, SECOND_USER_OBJECT_ID, TEMPLATE } from "../support/program-tenant";

const OTHER = { objectId: SECOND_USER_OBJECT_ID, userPrincipalName: "other@contoso.onmicrosoft.com" };
const SEED = programTenant({ userPrincipalName: OTHER.userPrincipalName, licenses: ["DYN365_ENTERPRISE_PLAN1"] });

const COMPONENT = "d365-backup-access:index:ServiceAccountAccess";
const ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
const GROUP_MEMBER = "azuread:index/groupMember:GroupMember";
const PREFIX = "urn:pulumi:contoso::d365-backup-access::";

type Snapshot = NonNullable<ProgramRunOptions["snapshot"]>;

function config(stage: string, serviceAccount = ACCOUNT.userPrincipalName): Record<string, string> {
    return {
        "d365-backup-access:stage": stage,
        "d365-backup-access:serviceAccount": serviceAccount,
        "d365-backup-access:environments": '["*"]',
    };
}

/** A checkpoint as the engine reports it: the component (with or without a ledger, and a granting record) and some children. */
function snapshot(
    ledger: { directoryRoles: string[]; groupMemberships: string[] } | undefined,
    children: Snapshot,
    granting?: { directoryRoles: string[]; groupMemberships: string[]; environments: string[] },
): Snapshot {
    const outputs = { ...(ledger ? { adopted: ledger } : {}), ...(granting ? { granting } : {}), directoryRoles: [] };
    return { [`${PREFIX}${COMPONENT}::backup-service-account`]: { type: COMPONENT, outputs }, ...children };
}

function roleInState(key: string, templateId: string, principal = ACCOUNT.objectId): Snapshot {
    return {
        [`${PREFIX}${COMPONENT}$${ROLE_ASSIGNMENT}::directory-role-${key}`]: {
            type: ROLE_ASSIGNMENT,
            outputs: { roleId: templateId, principalObjectId: principal, directoryScopeId: "/" },
        },
    };
}

function membershipInState(): Snapshot {
    return {
        [`${PREFIX}${COMPONENT}$${GROUP_MEMBER}::security-group-member-${GROUP}`]: {
            type: GROUP_MEMBER,
            outputs: { groupObjectId: GROUP, memberObjectId: ACCOUNT.objectId },
        },
    };
}

const role = (run: ProgramRun, templateId: string) => run.resources.find((r) => r.type === ROLE_ASSIGNMENT && r.inputs.roleId === templateId);
const membership = (run: ProgramRun) => run.resources.find((r) => r.type === GROUP_MEMBER);
const component = (run: ProgramRun) => run.resources.find((r) => r.type === COMPONENT);
const systemAdministrator = (run: ProgramRun, environmentId: string) => run.resources.find((r) => r.name === `system-administrator-${environmentId}`);

describe("program under mocks: what destroy and removal give back", function () {
    // One child process per configuration: the setup takes as long as the machine is busy, so the
    // bound only catches a hang.
    this.timeout(600000);
    let clean: RunningEmulator;
    let brownfield: RunningEmulator;
    const runs: Record<string, ProgramRun> = {};

    before(async () => {
        clean = await startEmulator(SEED);
        // The account already holds Dynamics 365 Administrator and Global Administrator, and is in the group.
        brownfield = await startEmulator(heldAlready(SEED, [TEMPLATE.dynamicsAdministrator, TEMPLATE.globalAdministrator]));
        const users = [ACCOUNT, OTHER];
        const dynamics = roleInState("dynamics-365-administrator", TEMPLATE.dynamicsAdministrator);
        const scenarios: Record<string, ProgramRunOptions> = {
            // A new stack in a tenant where the account holds access already.
            firstRunBrownfield: { config: config("bootstrap"), users, env: brownfield.env },
            firstRunBrownfieldOperational: { config: config("operational"), users, env: brownfield.env, preview: true },
            // The stack granted Dynamics 365 Administrator and the membership (its ledger says so): still granted, though the tenant holds them now.
            recordedGranted: {
                config: config("operational"),
                users,
                env: brownfield.env,
                snapshot: snapshot({ directoryRoles: [], groupMemberships: [] }, { ...dynamics, ...membershipInState() }),
            },
            // Recorded as adopted: still adopted.
            recordedAdopted: {
                config: config("operational"),
                users,
                env: clean.env,
                snapshot: snapshot({ directoryRoles: [TEMPLATE.dynamicsAdministrator], groupMemberships: [GROUP] }, { ...dynamics, ...membershipInState() }),
            },
            // State of a version that kept no ledger: what it holds cannot be proven granted.
            unproven: {
                config: config("operational"),
                users,
                env: clean.env,
                snapshot: snapshot(undefined, { ...dynamics, ...membershipInState() }),
                preview: true,
            },
            // The state holds the operator's own role; the configured account is another one.
            operatorInState: {
                config: config("operational"),
                users,
                env: clean.env,
                snapshot: snapshot(
                    { directoryRoles: [], groupMemberships: [] },
                    roleInState("dynamics-365-administrator", TEMPLATE.dynamicsAdministrator, OPERATOR_OBJECT_ID.toUpperCase()),
                ),
                preview: true,
            },
            // An update cut short after granting Dynamics 365 Administrator and the membership
            // (fleet recover cleared the pending creates): only its granting record tells.
            interrupted: {
                config: config("operational"),
                users,
                env: brownfield.env,
                snapshot: snapshot(
                    { directoryRoles: [], groupMemberships: [] },
                    {},
                    { directoryRoles: [TEMPLATE.dynamicsAdministrator], groupMemberships: [GROUP], environments: [RESTRICTED] },
                ),
            },
            // An update cut short after granting a permanent Global Administrator; now at operational.
            interruptedGlobalAdministrator: {
                config: config("operational"),
                users,
                env: brownfield.env,
                snapshot: snapshot(
                    { directoryRoles: [], groupMemberships: [] },
                    {},
                    { directoryRoles: [TEMPLATE.globalAdministrator], groupMemberships: [], environments: [] },
                ),
                preview: true,
            },
            otherAccountInState: {
                config: config("operational", OTHER.userPrincipalName),
                users,
                env: clean.env,
                snapshot: snapshot({ directoryRoles: [], groupMemberships: [] }, dynamics),
                preview: true,
            },
        };
        const names = Object.keys(scenarios);
        for (let i = 0; i < names.length; i += 2) {
            const batch = names.slice(i, i + 2);
            const results = await Promise.all(batch.map((name) => runProgram(scenarios[name])));
            batch.forEach((name, index) => (runs[name] = results[index]));
        }
    });

    after(async () => {
        await clean?.stop();
        await brownfield?.stop();
    });

    it("a new stack adopts what the account holds and retains it on delete; what it creates is removed", () => {
        const run = runs.firstRunBrownfieldOperational;
        assert.equal(run.error, undefined, run.error);
        assert.equal(role(run, TEMPLATE.dynamicsAdministrator)!.retainOnDelete, true);
        assert.equal(role(run, TEMPLATE.powerPlatformAdministrator)!.retainOnDelete, false, "granted by the stack: given back");
        assert.equal(membership(run)!.retainOnDelete, true);
        assert.deepEqual(component(run)!.inputs.adopted, { directoryRoles: [TEMPLATE.dynamicsAdministrator], groupMemberships: [GROUP] });
    });

    it("never retains Global Administrator, even adopted: a stage that no longer declares it removes it", () => {
        const run = runs.firstRunBrownfield;
        assert.equal(run.error, undefined, run.error);
        const globalAdministrator = role(run, TEMPLATE.globalAdministrator)!;
        assert.ok(globalAdministrator.importId, "adopted");
        assert.equal(globalAdministrator.retainOnDelete, false);
        assert.equal(role(run, TEMPLATE.dynamicsAdministrator)!.retainOnDelete, true);
        assert.deepEqual(component(run)!.inputs.adopted.directoryRoles.sort(), [TEMPLATE.globalAdministrator, TEMPLATE.dynamicsAdministrator].sort());
    });

    it("a resource already in the state keeps the origin recorded then, whatever the tenant holds now", () => {
        const granted = runs.recordedGranted;
        assert.equal(granted.error, undefined, granted.error);
        assert.equal(role(granted, TEMPLATE.dynamicsAdministrator)!.retainOnDelete, false, "the stack granted it: destroy gives it back");
        assert.equal(membership(granted)!.retainOnDelete, false);
        assert.deepEqual(component(granted)!.inputs.adopted, { directoryRoles: [], groupMemberships: [] });

        const adopted = runs.recordedAdopted;
        assert.equal(adopted.error, undefined, adopted.error);
        assert.equal(role(adopted, TEMPLATE.dynamicsAdministrator)!.retainOnDelete, true, "held before the stack: left as found");
        assert.equal(role(adopted, TEMPLATE.powerPlatformAdministrator)!.retainOnDelete, false);
        assert.equal(membership(adopted)!.retainOnDelete, true);
    });

    it("what a state without a ledger holds counts as adopted (left in place), and is recorded so", () => {
        const run = runs.unproven;
        assert.equal(run.error, undefined, run.error);
        assert.equal(role(run, TEMPLATE.dynamicsAdministrator)!.retainOnDelete, true);
        assert.equal(membership(run)!.retainOnDelete, true);
        assert.equal(role(run, TEMPLATE.powerPlatformAdministrator)!.retainOnDelete, false, "new in this run, not held: granted");
        assert.deepEqual(component(run)!.inputs.adopted, { directoryRoles: [TEMPLATE.dynamicsAdministrator], groupMemberships: [GROUP] });
    });

    describe("the granting record: an interrupted update's grants stay the stack's", () => {
        /** The component's outputs as sent to the engine, checked to go out before any child's registration. */
        const componentOutputs = (name: string) => {
            const run = runs[name];
            assert.equal(run.error, undefined, run.error);
            const outputsAt = run.sent.findIndex((s) => s.kind === "outputs" && s.name === "backup-service-account");
            const firstChild = run.sent.findIndex(
                (s) => s.kind === "resource" && !["contoso", "backup-service-account"].includes(s.name) && !s.name.startsWith("default"),
            );
            assert.ok(outputsAt >= 0 && firstChild >= 0 && outputsAt < firstChild, `${name}: ${JSON.stringify(run.sent.map((s) => `${s.kind} ${s.name}`))}`);
            return run.sent[outputsAt].outputs;
        };

        it("records what the run is about to grant in the component's outputs, sent before any child is registered", () => {
            // A new stack at bootstrap where the account holds both its roles and the membership: only the Dataverse roles are new.
            const firstRun = componentOutputs("firstRunBrownfield");
            assert.deepEqual(firstRun.granting, { directoryRoles: [], groupMemberships: [], environments: [PLAIN, RESTRICTED] });
            assert.deepEqual(firstRun.adopted, component(runs.firstRunBrownfield)!.inputs.adopted, "the adopted ledger too");
            // Dynamics 365 Administrator and the membership are in the state already: only what is new.
            assert.deepEqual(componentOutputs("recordedGranted").granting, {
                directoryRoles: [TEMPLATE.powerPlatformAdministrator],
                groupMemberships: [],
                environments: [PLAIN, RESTRICTED],
            });
            // Not an input: a stage move would show the component as updated in every preview.
            assert.equal(component(runs.recordedGranted)!.inputs.granting, undefined);
        });

        it("after an interrupted update, what it was granting and the tenant now holds is granted (given back), not adopted", () => {
            const run = runs.interrupted;
            assert.equal(run.error, undefined, run.error);
            const dynamics = role(run, TEMPLATE.dynamicsAdministrator)!;
            assert.ok(dynamics.importId, "held: imported");
            assert.equal(dynamics.retainOnDelete, false, "granted by the interrupted update: destroy gives it back");
            assert.equal(membership(run)!.retainOnDelete, false);
            assert.deepEqual(component(run)!.inputs.adopted, { directoryRoles: [], groupMemberships: [] });
            assert.equal(systemAdministrator(run, RESTRICTED)!.inputs.grantedByEarlierAttempt, true, "the hint for the environment it was giving the role in");
            assert.equal(systemAdministrator(run, PLAIN)!.inputs.grantedByEarlierAttempt, undefined);
            // The same tenant without the record: held before the stack.
            const fresh = runs.firstRunBrownfieldOperational;
            assert.equal(role(fresh, TEMPLATE.dynamicsAdministrator)!.retainOnDelete, true);
            assert.equal(systemAdministrator(fresh, RESTRICTED)!.inputs.grantedByEarlierAttempt, undefined);
        });

        it("refuses, registering nothing, a direct Global Administrator an interrupted update granted when the stage does not declare it", () => {
            const run = runs.interruptedGlobalAdministrator;
            assert.equal(run.resources.length, 0);
            assert.match(
                run.error ?? "",
                /backup@contoso\.onmicrosoft\.com holds a permanent Global Administrator assignment \(.+\) that an interrupted update of this stack granted/,
            );
            assert.match(run.error ?? "", /npm run fleet -- up --stacks contoso --stage bootstrap/);
            assert.match(run.error ?? "", /remove it by hand/);
            // Held before the stack (no record): no refusal; operational leaves it to the operator, as before.
            assert.equal(runs.firstRunBrownfieldOperational.error, undefined);
        });
    });

    it("refuses, registering nothing, when the state holds the operator's own grants and the account is another one", () => {
        const run = runs.operatorInState;
        assert.equal(run.resources.length, 0);
        assert.match(run.error ?? "", /state holds 1 grant\(s\) to the operator's own identity \(object id 5e9b1f8d-6a7c-4b0d-9e2f-4a5b6c7d8e9f/);
        assert.match(run.error ?? "", /directory-role-dynamics-365-administrator/);
        assert.match(run.error ?? "", /would delete them and the operator would demote itself/);
        assert.match(run.error ?? "", /pulumi state delete <urn>/);
    });

    it("lets the account change when the state's grants are another account's, not the operator's", () => {
        const run = runs.otherAccountInState;
        assert.equal(run.error, undefined, run.error);
        assert.ok(run.resources.length > 0);
    });

    it("asks the engine for this stack's own last checkpoint", () => {
        const invoke = runs.recordedGranted.invokes.find((i) => i.token === "pulumi:pulumi:readStackResourceOutputs");
        assert.deepEqual(invoke?.inputs, { stackName: "organization/d365-backup-access/contoso" });
    });
});
