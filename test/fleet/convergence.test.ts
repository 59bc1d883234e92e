// Which environments an update with --continue-on-error left unconverged, read from the
// engine's events as the pinned CLI wrote them (fixtures/continue-on-error-events.json:
// two recorded runs against the emulated demo tenant).

import { strict as assert } from "assert";

import type { EngineEvent } from "@pulumi/pulumi/automation";

import { attributeGroupFailures, describeFailures, environmentOfResource, FailureCollector, firstLine } from "../../fleet/convergence";
import { environmentUserResourceName, groupMemberResourceName, securityRoleResourceName } from "../../lib/origin-ledger";

import { ENVIRONMENT_REFUSED, FINANCE, GROUP, PRODUCTION, RESTRICTED, ROLE_REFUSED } from "../support/continue-on-error-recordings";

const URN_PREFIX = "urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$";

function collect(events: readonly EngineEvent[]): FailureCollector {
    const collector = new FailureCollector();
    for (const event of events) collector.observe(event);
    return collector;
}

describe("fleet: environments that did not converge", () => {
    it("reads the environment off the names the program gives its per-environment resources", () => {
        assert.equal(environmentOfResource(environmentUserResourceName(PRODUCTION)), PRODUCTION);
        assert.equal(environmentOfResource(securityRoleResourceName(PRODUCTION)), PRODUCTION);
        assert.equal(
            environmentOfResource(securityRoleResourceName("Default-6a2d8b4f-3c5e-4d7f-8a9b-1c2d3e4f5a6b")),
            "Default-6a2d8b4f-3c5e-4d7f-8a9b-1c2d3e4f5a6b",
        );
        for (const name of [
            groupMemberResourceName(GROUP),
            "directory-role-power-platform-administrator",
            "backup-service-account",
            environmentUserResourceName(""),
        ]) {
            assert.equal(environmentOfResource(name), undefined, name);
        }
    });

    it("takes the first line that says something, without the engine's error: prefix", () => {
        assert.equal(firstLine("\nerror: Environment x: refused\n  at somewhere\n"), "Environment x: refused");
        assert.equal(firstLine("refused\n"), "refused");
        assert.equal(firstLine("\n \n"), "");
    });

    it("names the refusing environment with the provider's reason, and the failed membership apart (recorded run)", () => {
        const failures = collect(ENVIRONMENT_REFUSED).failures();
        assert.deepEqual(
            failures.environments.map((entry) => [entry.environmentId, entry.resource]),
            [[PRODUCTION, environmentUserResourceName(PRODUCTION)]],
        );
        // The provider's "Environment <id>: " is dropped: the entry names it already.
        assert.match(
            failures.environments[0].reason,
            /^Power Platform admin API \(BAP\) refused add the account to the environment \(addUser\): The caller is not allowed to add users to this environment \[.*\]\. Fix: /,
        );
        assert.deepEqual(
            failures.others.map((entry) => entry.resource),
            [groupMemberResourceName(GROUP)],
        );
        assert.match(
            failures.others[0].reason,
            /^Adding member "[0-9a-f-]+" to group "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f": unexpected status 403 \(403 Forbidden\) with error: Authorization_RequestDenied/,
        );
        // The environment that converged, and the engine's closing "update failed" (no URN), are not named.
        assert.ok(!failures.environments.some((entry) => entry.environmentId === FINANCE));
        assert.ok(!failures.others.some((entry) => /update failed/.test(entry.reason)));
    });

    it("names the environments a failed security group membership held back, from the tenant's list (they have no event)", () => {
        const failures = collect(ENVIRONMENT_REFUSED).failures();
        const tenant = [
            { id: PRODUCTION, securityGroupId: null, ok: false },
            { id: RESTRICTED, securityGroupId: GROUP.toUpperCase(), ok: false },
            { id: FINANCE, securityGroupId: null, ok: true },
        ];
        const attributed = attributeGroupFailures(failures, tenant);
        assert.deepEqual(
            attributed.environments.map((entry) => entry.environmentId),
            [PRODUCTION, RESTRICTED],
        );
        assert.match(attributed.environments[1].reason, new RegExp(`^the account could not join its security group ${GROUP}: Adding member .*403`));
        assert.deepEqual(attributed.others, [], "the membership is told through its environments");
        assert.equal(
            describeFailures(attributed),
            `did not converge: ${PRODUCTION}: ${attributed.environments[0].reason}; ${RESTRICTED}: ${attributed.environments[1].reason}`,
        );
        // An environment of that group that is ready, or an unread tenant, changes nothing.
        assert.deepEqual(
            attributeGroupFailures(
                failures,
                tenant.map((entry) => ({ ...entry, ok: true })),
            ),
            failures,
        );
        assert.deepEqual(attributeGroupFailures(failures, null), failures);
    });

    it("names no environment when only a directory role failed: the engine's own reason stays (recorded stage move)", () => {
        const failures = collect(ROLE_REFUSED).failures();
        assert.deepEqual(failures.environments, []);
        assert.deepEqual(
            failures.others.map((entry) => entry.resource),
            ["directory-role-power-platform-administrator"],
        );
        assert.equal(describeFailures(failures), undefined);
    });

    it("lists every environment once, in the engine's order, with the other failures after them", () => {
        const diagnostic = (name: string, message: string): EngineEvent => ({
            sequence: 1,
            timestamp: 0,
            diagnosticEvent: { urn: `${URN_PREFIX}pulumi-nodejs:dynamic/x:X::${name}`, prefix: "error: ", message, color: "never", severity: "error" },
        });
        const failed = (name: string): EngineEvent => ({
            sequence: 2,
            timestamp: 0,
            resOpFailedEvent: { metadata: { op: "create", urn: `${URN_PREFIX}pulumi-nodejs:dynamic/x:X::${name}`, type: "x" } as never, status: 0, steps: 1 },
        });
        const collector = collect([
            diagnostic(securityRoleResourceName(FINANCE), `Environment ${FINANCE}: the licence is still propagating\nmore`),
            failed(securityRoleResourceName(FINANCE)),
            // A second resource of the same environment failing: the first reason stands.
            diagnostic(environmentUserResourceName(FINANCE), "later"),
            // A failure without a diagnostic still names its environment.
            failed(environmentUserResourceName(PRODUCTION)),
            diagnostic("directory-role-global-administrator", "403"),
            // The program's own error is on the stack, not a resource: not listed here.
            {
                sequence: 3,
                timestamp: 0,
                diagnosticEvent: {
                    urn: "urn:pulumi:contoso::d365-backup-access::pulumi:pulumi:Stack::d365-backup-access-contoso",
                    message: "Running program failed",
                    color: "never",
                    severity: "error",
                },
            },
            // Warnings are not failures.
            {
                sequence: 4,
                timestamp: 0,
                diagnosticEvent: { urn: `${URN_PREFIX}x::${environmentUserResourceName(RESTRICTED)}`, message: "slow", color: "never", severity: "warning" },
            },
        ]);
        const failures = collector.failures();
        assert.deepEqual(failures.environments, [
            { environmentId: FINANCE, resource: securityRoleResourceName(FINANCE), reason: "the licence is still propagating" },
            { environmentId: PRODUCTION, resource: environmentUserResourceName(PRODUCTION), reason: "failed without a message (see the tenant's log)" },
        ]);
        assert.deepEqual(failures.others, [{ resource: "directory-role-global-administrator", reason: "403" }]);
        assert.equal(
            describeFailures(failures),
            `did not converge: ${FINANCE}: the licence is still propagating; ${PRODUCTION}: failed without a message (see the tenant's log); also failed: directory-role-global-administrator: 403`,
        );
    });
});
