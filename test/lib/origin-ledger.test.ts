// The origin rule on its own: which grants are adopted and which granted, what the
// preview says destroy gives back, and which grants the state holds for whom.

import { strict as assert } from "assert";

import { DYNAMICS_365_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";
import {
    COMPONENT_TYPE,
    decideOrigins,
    describeGiveBack,
    interruptedGlobalAdministrator,
    SECURITY_ROLE_ASSIGNMENT_TYPE,
    unprovenWarning,
} from "../../lib/origin-ledger";
import { grantsInState, NO_PREVIOUS_STATE, parseStackResourceOutputs, PreviousState } from "../../lib/previous-state";

const GROUP = "8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b";
const ACCOUNT = "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b";
const NOTHING_HELD = { roleAssignmentIds: {}, groupMemberships: [] };

function state(entries: Record<string, { type: string; outputs: Record<string, unknown> }>): PreviousState {
    return parseStackResourceOutputs({ name: "organization/d365-backup-access/contoso", outputs: entries });
}

describe("origin ledger", () => {
    it("a new stack: held already = adopted, else granted; the ledger lists the adopted ones", () => {
        const origins = decideOrigins({
            previous: NO_PREVIOUS_STATE,
            directoryRoles: [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR],
            groupIds: [GROUP.toUpperCase()],
            existing: { roleAssignmentIds: { [DYNAMICS_365_ADMINISTRATOR.templateId]: "assignment-1" }, groupMemberships: [GROUP] },
        });
        assert.deepEqual(origins.directoryRoles, { [DYNAMICS_365_ADMINISTRATOR.templateId]: "adopted", [POWER_PLATFORM_ADMINISTRATOR.templateId]: "granted" });
        assert.deepEqual(origins.groupMemberships, { [GROUP]: "adopted" });
        assert.deepEqual(origins.ledger, { directoryRoles: [DYNAMICS_365_ADMINISTRATOR.templateId], groupMemberships: [GROUP] });
        assert.deepEqual(origins.unproven, []);
    });

    it("state without a ledger: what it holds is unproven and counts as adopted; a Dataverse role without origin too", () => {
        const previous = state({
            "urn:pulumi:contoso::p::c::backup-service-account": { type: COMPONENT_TYPE, outputs: { directoryRoles: [] } },
            "urn:pulumi:contoso::p::a::directory-role-power-platform-administrator": {
                type: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
                outputs: {},
            },
            "urn:pulumi:contoso::p::s::system-administrator-e1": {
                type: SECURITY_ROLE_ASSIGNMENT_TYPE,
                outputs: { environmentId: "e1", roleName: "System Administrator" },
            },
        });
        const origins = decideOrigins({
            previous,
            directoryRoles: [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR],
            groupIds: [],
            existing: NOTHING_HELD,
        });
        assert.equal(origins.directoryRoles[POWER_PLATFORM_ADMINISTRATOR.templateId], "adopted");
        assert.equal(origins.directoryRoles[DYNAMICS_365_ADMINISTRATOR.templateId], "granted");
        assert.deepEqual(origins.unproven, ["Power Platform Administrator", "System Administrator in environment e1"]);
        assert.match(
            unprovenWarning(origins.unproven)!,
            /cannot prove it granted: Power Platform Administrator; System Administrator in environment e1\. These count as held before the stack/,
        );
        assert.equal(unprovenWarning([]), undefined);
    });

    it("the preview's statement: granted ones removed, adopted ones left, Global Administrator removed whatever its origin", () => {
        const previous = state({
            "urn:a::system-administrator-e1": {
                type: SECURITY_ROLE_ASSIGNMENT_TYPE,
                outputs: { environmentId: "e1", roleName: "System Administrator", origin: "granted" },
            },
            "urn:a::system-administrator-e2": {
                type: SECURITY_ROLE_ASSIGNMENT_TYPE,
                outputs: { environmentId: "e2", roleName: "System Administrator", origin: "adopted" },
            },
        });
        const origins = decideOrigins({
            previous,
            directoryRoles: [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR],
            groupIds: [GROUP],
            existing: { roleAssignmentIds: { [GLOBAL_ADMINISTRATOR.templateId]: "a", [DYNAMICS_365_ADMINISTRATOR.templateId]: "b" }, groupMemberships: [] },
        });
        const text = describeGiveBack(origins, previous, []);
        assert.match(
            text,
            /Removes: Global Administrator \(whatever its origin\); membership of security group 8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b; System Administrator in environment e1 \(only the copy it associated, in its business unit\)\./,
        );
        assert.match(text, /Leaves in place \(held before this stack\): Dynamics 365 Administrator; System Administrator in environment e2\./);
        assert.match(
            describeGiveBack(decideOrigins({ previous: NO_PREVIOUS_STATE, directoryRoles: [], groupIds: [], existing: NOTHING_HELD }), NO_PREVIOUS_STATE, [
                GLOBAL_ADMINISTRATOR,
            ]),
            /Removes: Global Administrator \(its own time-bound assignment only\)\. Leaves in place \(held before this stack\): nothing\./,
        );
    });

    describe("the granting record: what a run is about to grant", () => {
        const COMPONENT_URN = "urn:pulumi:contoso::p::d365-backup-access:index:ServiceAccountAccess::backup-service-account";
        const E1 = "0f4c6a3e-1b2d-4c5e-8f7a-9b0c1d2e3f4a";
        const E2 = "1a5d7b4f-2c3e-4d6f-9a8b-0c1d2e3f4a5b";
        const DEFAULT_ENV = "Default-9A0B1C2D-3e4f-4a5b-8c6d-7e8f9a0b1c2d";

        it("lists the new grants decided granted and every new Dataverse role; not what is held before or already in the state", () => {
            const previous = state({
                [COMPONENT_URN]: { type: COMPONENT_TYPE, outputs: { adopted: { directoryRoles: [], groupMemberships: [] } } },
                "urn:pulumi:contoso::p::a::directory-role-dynamics-365-administrator": {
                    type: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
                    outputs: {},
                },
                [`urn:pulumi:contoso::p::s::system-administrator-${E2}`]: { type: SECURITY_ROLE_ASSIGNMENT_TYPE, outputs: { origin: "granted" } },
            });
            const origins = decideOrigins({
                previous,
                directoryRoles: [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR],
                groupIds: [GROUP.toUpperCase()],
                environmentIds: [E1, E2, DEFAULT_ENV],
                // Global Administrator held before the stack: adopted, so not being granted.
                existing: { roleAssignmentIds: { [GLOBAL_ADMINISTRATOR.templateId]: "a", [DYNAMICS_365_ADMINISTRATOR.templateId]: "b" }, groupMemberships: [] },
            });
            assert.deepEqual(origins.granting, {
                directoryRoles: [POWER_PLATFORM_ADMINISTRATOR.templateId],
                groupMemberships: [GROUP],
                environments: [DEFAULT_ENV.toLowerCase(), E1].sort(),
            });
            assert.deepEqual(origins.grantedByEarlierAttempt, [], "no earlier record");
        });

        it("after an interrupted update: what its record lists and the tenant holds, but the state lacks, counts as granted, and is listed again", () => {
            const interrupted = state({
                [COMPONENT_URN]: {
                    type: COMPONENT_TYPE,
                    // What the cut-short run had recorded before creating anything.
                    outputs: {
                        adopted: { directoryRoles: [], groupMemberships: [] },
                        granting: {
                            directoryRoles: [POWER_PLATFORM_ADMINISTRATOR.templateId.toUpperCase()],
                            groupMemberships: [GROUP.toUpperCase()],
                            environments: [E1],
                        },
                    },
                },
            });
            const question = {
                directoryRoles: [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR],
                groupIds: [GROUP],
                environmentIds: [E1, E2],
                // It made Power Platform Administrator and the membership; Dynamics 365 Administrator was held before.
                existing: {
                    roleAssignmentIds: { [DYNAMICS_365_ADMINISTRATOR.templateId]: "d", [POWER_PLATFORM_ADMINISTRATOR.templateId]: "p" },
                    groupMemberships: [GROUP],
                },
            };
            const origins = decideOrigins({ previous: interrupted, ...question });
            assert.deepEqual(origins.directoryRoles, {
                [DYNAMICS_365_ADMINISTRATOR.templateId]: "adopted",
                [POWER_PLATFORM_ADMINISTRATOR.templateId]: "granted",
            });
            assert.deepEqual(origins.groupMemberships, { [GROUP]: "granted" });
            assert.deepEqual(origins.ledger, { directoryRoles: [DYNAMICS_365_ADMINISTRATOR.templateId], groupMemberships: [] });
            assert.deepEqual(origins.grantedByEarlierAttempt, [E1], "only the environment the record lists");
            // Cut short again: the next run must still know.
            assert.deepEqual(origins.granting, {
                directoryRoles: [POWER_PLATFORM_ADMINISTRATOR.templateId],
                groupMemberships: [GROUP],
                environments: [E1, E2],
            });

            const withoutRecord = decideOrigins({ previous: NO_PREVIOUS_STATE, ...question });
            assert.equal(withoutRecord.directoryRoles[POWER_PLATFORM_ADMINISTRATOR.templateId], "adopted", "with no record, held means held before");
            assert.equal(withoutRecord.groupMemberships[GROUP], "adopted");
            assert.deepEqual(withoutRecord.grantedByEarlierAttempt, []);
        });

        it("refuses when a direct Global Administrator an interrupted update was granting is held, the state lacks it, and the stage declares no permanent one", () => {
            const ga = GLOBAL_ADMINISTRATOR.templateId;
            const recorded = (granting: string[]) =>
                state({
                    [COMPONENT_URN]: { type: COMPONENT_TYPE, outputs: { granting: { directoryRoles: granting, groupMemberships: [], environments: [] } } },
                });
            const held = { roleAssignmentIds: { [ga]: "ga-assignment-1" }, groupMemberships: [] };
            const refusal = interruptedGlobalAdministrator(recorded([ga]), false, held, "backup@contoso.onmicrosoft.com", "contoso");
            assert.match(
                refusal!,
                /backup@contoso\.onmicrosoft\.com holds a permanent Global Administrator assignment \(ga-assignment-1\) that an interrupted update of this stack granted/,
            );
            assert.match(
                refusal!,
                /Fix: .*`npm run fleet -- up --stacks contoso --stage bootstrap`.*`npm run fleet -- up --stacks contoso --stage operational` removes it/,
            );
            assert.match(refusal!, /DELETE \/roleManagement\/directory\/roleAssignments\/ga-assignment-1/);

            assert.equal(
                interruptedGlobalAdministrator(recorded([ga]), true, held, "a", "contoso"),
                undefined,
                "the stage declares it permanently: it takes it into the state",
            );
            assert.equal(interruptedGlobalAdministrator(recorded([]), false, held, "a", "contoso"), undefined, "not being granted: held before the stack");
            assert.equal(interruptedGlobalAdministrator(recorded([ga]), false, NOTHING_HELD, "a", "contoso"), undefined, "not held");
            const inState = state({
                ...{ [COMPONENT_URN]: { type: COMPONENT_TYPE, outputs: { granting: { directoryRoles: [ga], groupMemberships: [], environments: [] } } } },
                "urn:pulumi:contoso::p::a::directory-role-global-administrator": {
                    type: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
                    outputs: {},
                },
            });
            assert.equal(interruptedGlobalAdministrator(inState, false, held, "a", "contoso"), undefined, "in the state: this stage deletes it");
        });
    });

    it("finds every grant in the state with its principal, whatever the resource type", () => {
        const previous = state({
            "urn:1::r": { type: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment", outputs: { principalObjectId: ACCOUNT.toUpperCase() } },
            "urn:2::g": { type: "azuread:index/groupMember:GroupMember", outputs: { memberObjectId: ACCOUNT } },
            "urn:3::t": { type: "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment", outputs: { principalObjectId: ACCOUNT } },
            "urn:4::u": { type: "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser", outputs: { userObjectId: ACCOUNT } },
            "urn:5::s": { type: SECURITY_ROLE_ASSIGNMENT_TYPE, outputs: { userObjectId: ACCOUNT } },
            "urn:6::c": { type: COMPONENT_TYPE, outputs: {} },
        });
        assert.deepEqual(
            grantsInState(previous),
            ["urn:1::r", "urn:2::g", "urn:3::t", "urn:4::u", "urn:5::s"].map((urn) => ({ principalId: ACCOUNT, urn })),
        );
        assert.deepEqual(parseStackResourceOutputs({ name: "x", outputs: {} }).resources, [], "a new stack has no checkpoint");
    });
});
