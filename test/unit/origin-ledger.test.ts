// The origin rule on its own: which grants are adopted and which granted, what the
// preview says destroy gives back, and which grants the state holds for whom.

import { strict as assert } from "assert";

import { DYNAMICS_365_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";
import { COMPONENT_TYPE, decideOrigins, describeGiveBack, SECURITY_ROLE_ASSIGNMENT_TYPE, unprovenWarning } from "../../lib/origin-ledger";
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
            "urn:pulumi:contoso::p::a::directory-role-power-platform-administrator": { type: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment", outputs: {} },
            "urn:pulumi:contoso::p::s::system-administrator-e1": { type: SECURITY_ROLE_ASSIGNMENT_TYPE, outputs: { environmentId: "e1", roleName: "System Administrator" } },
        });
        const origins = decideOrigins({ previous, directoryRoles: [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR], groupIds: [], existing: NOTHING_HELD });
        assert.equal(origins.directoryRoles[POWER_PLATFORM_ADMINISTRATOR.templateId], "adopted");
        assert.equal(origins.directoryRoles[DYNAMICS_365_ADMINISTRATOR.templateId], "granted");
        assert.deepEqual(origins.unproven, ["Power Platform Administrator", "System Administrator in environment e1"]);
        assert.match(unprovenWarning(origins.unproven)!, /cannot prove it granted: Power Platform Administrator; System Administrator in environment e1\. These count as held before the stack/);
        assert.equal(unprovenWarning([]), undefined);
    });

    it("the preview's statement: granted ones removed, adopted ones left, Global Administrator removed whatever its origin", () => {
        const previous = state({
            "urn:a::system-administrator-e1": { type: SECURITY_ROLE_ASSIGNMENT_TYPE, outputs: { environmentId: "e1", roleName: "System Administrator", origin: "granted" } },
            "urn:a::system-administrator-e2": { type: SECURITY_ROLE_ASSIGNMENT_TYPE, outputs: { environmentId: "e2", roleName: "System Administrator", origin: "adopted" } },
        });
        const origins = decideOrigins({
            previous,
            directoryRoles: [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR],
            groupIds: [GROUP],
            existing: { roleAssignmentIds: { [GLOBAL_ADMINISTRATOR.templateId]: "a", [DYNAMICS_365_ADMINISTRATOR.templateId]: "b" }, groupMemberships: [] },
        });
        const text = describeGiveBack(origins, previous, []);
        assert.match(text, /Removes: Global Administrator \(whatever its origin\); membership of security group 8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b; System Administrator in environment e1 \(only the copy it associated, in its business unit\)\./);
        assert.match(text, /Leaves in place \(held before this stack\): Dynamics 365 Administrator; System Administrator in environment e2\./);
        assert.match(describeGiveBack(decideOrigins({ previous: NO_PREVIOUS_STATE, directoryRoles: [], groupIds: [], existing: NOTHING_HELD }), NO_PREVIOUS_STATE, [GLOBAL_ADMINISTRATOR]), /Removes: Global Administrator \(its own time-bound assignment only\)\. Leaves in place \(held before this stack\): nothing\./);
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
        assert.deepEqual(grantsInState(previous), ["urn:1::r", "urn:2::g", "urn:3::t", "urn:4::u", "urn:5::s"].map((urn) => ({ principalId: ACCOUNT, urn })));
        assert.deepEqual(parseStackResourceOutputs({ name: "x", outputs: {} }).resources, [], "a new stack has no checkpoint");
    });
});
