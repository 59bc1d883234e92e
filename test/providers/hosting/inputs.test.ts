// check() and diff() of both providers, through the provider stored in state: input
// validation, defaults, and explicit replace/update decisions.

import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

import { UNKNOWN } from "../../../providers/hosting/inputs";
import { SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../../../providers/clients/dataverse";
import { hostedProvider } from "../../support/serialized";

const ENV = "6a1b2c3d-0000-4000-8000-000000000001";
const OID = "6a1b2c3d-0000-4000-8000-0000000000aa";
const SYSUSER = "6a1b2c3d-0000-4000-8000-0000000000bb";

describe("provider check and diff", () => {
    let users: pulumi.dynamic.ResourceProvider;
    let roles: pulumi.dynamic.ResourceProvider;
    before(async () => {
        users = hostedProvider("EnvironmentUser").provider;
        roles = hostedProvider("SecurityRoleAssignment").provider;
    });

    describe("EnvironmentUser", () => {
        it("defaults the access mode to read-write and normalises ids", async () => {
            const result = await users.check!({}, { environmentId: `Default-${ENV.toUpperCase()}`, userObjectId: OID.toUpperCase() });
            assert.deepStrictEqual(result, {
                inputs: { environmentId: `Default-${ENV}`, userObjectId: OID, accessMode: "read-write" },
                failures: [],
            });
        });

        it("reports every bad input with its property", async () => {
            const result = await users.check!({}, { environmentId: "prod", userObjectId: "backup@contoso.com", accessMode: "owner" });
            assert.deepStrictEqual(
                result.failures!.map((f) => f.property),
                ["environmentId", "userObjectId", "accessMode"],
            );
            assert.match(result.failures![2].reason, /one of read-write, administrative, read/);
            assert.ok(Object.values(result.inputs!).every((value) => value !== undefined));
        });

        it("lets values unknown during preview through", async () => {
            const result = await users.check!({}, { environmentId: UNKNOWN, userObjectId: UNKNOWN, accessMode: UNKNOWN });
            assert.deepStrictEqual(result.failures, []);
        });

        const olds = { environmentId: ENV, userObjectId: OID, accessMode: "read-write", systemUserId: SYSUSER, enabled: true };

        it("reports no change when nothing changed", async () => {
            assert.deepStrictEqual(await users.diff!("id", olds, { environmentId: ENV, userObjectId: OID, accessMode: "read-write" }), {
                changes: false,
                replaces: [],
                deleteBeforeReplace: false,
            });
        });

        it("replaces on a new environment or user", async () => {
            const other = "6a1b2c3d-0000-4000-8000-000000000002";
            assert.deepStrictEqual((await users.diff!("id", olds, { ...olds, environmentId: other })).replaces, ["environmentId"]);
            assert.deepStrictEqual((await users.diff!("id", olds, { ...olds, userObjectId: other })).replaces, ["userObjectId"]);
            assert.deepStrictEqual((await users.diff!("id", olds, { ...olds, userObjectId: UNKNOWN })).replaces, ["userObjectId"]);
        });

        it("updates in place when the access mode differs (also after a refresh found it changed)", async () => {
            const diff = await users.diff!(
                "id",
                { ...olds, accessMode: "administrative" },
                { environmentId: ENV, userObjectId: OID, accessMode: "read-write" },
            );
            assert.deepStrictEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
        });

        it("updates when a refresh found the user disabled", async () => {
            const diff = await users.diff!("id", { ...olds, enabled: false }, { environmentId: ENV, userObjectId: OID, accessMode: "read-write" });
            assert.strictEqual(diff.changes, true);
            assert.deepStrictEqual(diff.replaces, []);
        });
    });

    describe("SecurityRoleAssignment", () => {
        const assignment = { environmentId: ENV, userObjectId: OID, roleTemplateId: SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID };
        // The assignment as this version stores it: its inputs, what create found, and the provider that wrote it.
        const stored = (extra: Record<string, unknown> = {}) => ({
            ...assignment,
            systemUserId: SYSUSER,
            roleId: "r",
            ...extra,
            __provider: hostedProvider("SecurityRoleAssignment").text,
        });

        it("defaults the role to System Administrator", async () => {
            const result = await roles.check!({}, { environmentId: ENV, userObjectId: OID.toUpperCase() });
            assert.deepStrictEqual(result, {
                inputs: { environmentId: ENV, userObjectId: OID, roleTemplateId: SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID },
                failures: [],
            });
        });

        it("reports bad ids", async () => {
            const result = await roles.check!({}, { environmentId: ENV, userObjectId: "x", roleTemplateId: "System Administrator" });
            assert.deepStrictEqual(
                result.failures!.map((f) => f.property),
                ["userObjectId", "roleTemplateId"],
            );
        });

        it("replaces on any input change, and only then", async () => {
            const olds = stored();
            const news = assignment;
            assert.deepStrictEqual(await roles.diff!("id", olds, news), { changes: false, replaces: [], deleteBeforeReplace: false });
            const other = "6a1b2c3d-0000-4000-8000-000000000009";
            assert.deepStrictEqual(await roles.diff!("id", olds, { ...news, userObjectId: other }), {
                changes: true,
                replaces: ["userObjectId"],
                deleteBeforeReplace: false,
            });
            assert.deepStrictEqual((await roles.diff!("id", olds, { ...news, roleTemplateId: other })).replaces, ["roleTemplateId"]);
            assert.deepStrictEqual((await roles.diff!("id", olds, { ...news, userObjectId: UNKNOWN })).replaces, ["userObjectId"]);
        });

        it("updates in place, never replaces, state written by 0.1.0 (no userObjectId stored)", async () => {
            const olds = { environmentId: ENV, systemUserId: SYSUSER, roleTemplateId: SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID, roleId: "r" };
            const news = assignment;
            assert.deepStrictEqual(await roles.diff!("id", olds, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            const hinted = { ...news, grantedByEarlierAttempt: true };
            assert.deepStrictEqual(
                await roles.diff!("id", olds, hinted),
                { changes: true, replaces: [], deleteBeforeReplace: false },
                "the create hint changes nothing for 0.1.0 state",
            );
        });

        it("keeps the create hint grantedByEarlierAttempt, checks it, and never diffs on it", async () => {
            const news = { environmentId: ENV, userObjectId: OID, grantedByEarlierAttempt: true };
            assert.deepStrictEqual((await roles.check!({}, news)).inputs, {
                environmentId: ENV,
                userObjectId: OID,
                roleTemplateId: SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
                grantedByEarlierAttempt: true,
            });
            assert.deepStrictEqual(
                (await roles.check!({}, { ...news, grantedByEarlierAttempt: "yes" })).failures!.map((f) => f.property),
                ["grantedByEarlierAttempt"],
            );
            const olds = stored({ origin: "adopted" });
            const plain = assignment;
            for (const hint of [true, false]) {
                assert.deepStrictEqual(await roles.diff!("id", olds, { ...plain, grantedByEarlierAttempt: hint }), {
                    changes: false,
                    replaces: [],
                    deleteBeforeReplace: false,
                });
                assert.deepStrictEqual(await roles.diff!("id", { ...olds, grantedByEarlierAttempt: hint }, plain), {
                    changes: false,
                    replaces: [],
                    deleteBeforeReplace: false,
                });
            }
        });
    });
});
