// What the program reads of its own last checkpoint about environments: which ones the
// stack serves (so one that cannot be served now is held, and one deleted is reported).
import { strict as assert } from "assert";

import { ENVIRONMENT_USER_TYPE, environmentsInState, parseStackResourceOutputs, SECURITY_ROLE_ASSIGNMENT_TYPE } from "../../lib/previous-state";

const PREFIX = "urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$";

describe("environmentsInState", () => {
    it("finds each environment's user and role (or the role keeping the user), keyed like the program's ids, with the name it had", () => {
        const state = parseStackResourceOutputs({
            name: "organization/d365-backup-access/contoso",
            outputs: {
                [`${PREFIX}${ENVIRONMENT_USER_TYPE}::environment-user-A1`]: {
                    type: ENVIRONMENT_USER_TYPE,
                    outputs: { environmentId: "A0000001-0000-4000-8000-000000000001", environmentName: "Contoso Production" },
                },
                [`${PREFIX}${SECURITY_ROLE_ASSIGNMENT_TYPE}::role-A1`]: {
                    type: SECURITY_ROLE_ASSIGNMENT_TYPE,
                    outputs: { environmentId: "a0000001-0000-4000-8000-000000000001" },
                },
                [`${PREFIX}${SECURITY_ROLE_ASSIGNMENT_TYPE}::role-default`]: {
                    type: SECURITY_ROLE_ASSIGNMENT_TYPE,
                    outputs: { environmentId: "default-6A2D8B4F-3C5E-4D7F-8A9B-1C2D3E4F5A6B" },
                },
                // One resource for the environment: the role keeps the user (it has an access mode), and the name.
                [`${PREFIX}${SECURITY_ROLE_ASSIGNMENT_TYPE}::role-B2`]: {
                    type: SECURITY_ROLE_ASSIGNMENT_TYPE,
                    outputs: { environmentId: "b0000002-0000-4000-8000-000000000002", accessMode: "read-write", environmentName: "Contoso Sales" },
                },
                "urn:pulumi:contoso::d365-backup-access::azuread:index/groupMember:GroupMember::member": {
                    type: "azuread:index/groupMember:GroupMember",
                    outputs: { environmentId: "not-an-environment-resource" },
                },
            },
        });
        assert.deepEqual(
            [...environmentsInState(state)],
            [
                ["a0000001-0000-4000-8000-000000000001", { user: true, role: true, roleKeepsUser: false, displayName: "Contoso Production" }],
                ["Default-6a2d8b4f-3c5e-4d7f-8a9b-1c2d3e4f5a6b", { user: false, role: true, roleKeepsUser: false, displayName: undefined }],
                ["b0000002-0000-4000-8000-000000000002", { user: false, role: true, roleKeepsUser: true, displayName: "Contoso Sales" }],
            ],
        );
    });

    it("is empty for a new stack", () => {
        assert.equal(environmentsInState(parseStackResourceOutputs({ name: "x", outputs: {} })).size, 0);
    });
});
