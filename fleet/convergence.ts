// Which environments an update left unconverged, and why, from the engine's own events.
//
// `fleet up` and `fleet recover` run `pulumi up --continue-on-error`: a resource that
// fails is recorded and the update goes on with everything that does not depend on it,
// so one environment that refuses the account never blocks the others. The update then
// fails, and the engine has said which resources failed: a diagnostic of severity
// "error" carrying the resource's URN and the provider's message, and a
// resource-operation-failed event with the URN. The resources of one environment are
// named after it (lib/origin-ledger.ts), so the environment is read off the name.
// Resources that depend on a failed one are skipped by the engine without an event of
// their own: the System Administrator role after its environment's user (the
// environment is already named), and every environment's user after the membership of
// the security group the environment is restricted to — those environments are named
// from the tenant's own list of environments and their groups (attributeGroupFailures).
// Pure, so it is tested on recorded events without an engine.

import type { EngineEvent } from "@pulumi/pulumi/automation";

import { environmentUserResourceName, groupMemberResourceName, securityRoleResourceName } from "../lib/origin-ledger";

/** An environment where the account's access did not converge, with the first line of the first error there. */
export interface EnvironmentNotConverged {
    readonly environmentId: string;
    /** The failed resource's name, e.g. environment-user-<id>. */
    readonly resource: string;
    readonly reason: string;
}

/** A failed resource that belongs to no one environment (a directory role, a group membership). */
export interface ResourceFailed {
    readonly resource: string;
    readonly reason: string;
}

export interface Failures {
    readonly environments: readonly EnvironmentNotConverged[];
    readonly others: readonly ResourceFailed[];
}

/** The prefixes of the per-environment resource names, from the functions that name them. */
const ENVIRONMENT_PREFIXES = [environmentUserResourceName(""), securityRoleResourceName("")];

/** The environment a resource belongs to, from its name; undefined for the tenant-wide resources. */
export function environmentOfResource(name: string): string | undefined {
    const prefix = ENVIRONMENT_PREFIXES.find((candidate) => name.startsWith(candidate) && name.length > candidate.length);
    return prefix === undefined ? undefined : name.slice(prefix.length);
}

const GROUP_MEMBER_PREFIX = groupMemberResourceName("");

/** A URN's resource name: the part after its last "::" (urn:pulumi:<stack>::<project>::<type>::<name>). */
function nameOf(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** The stack itself (the program's own errors) is not a resource that failed. */
function isStack(urn: string): boolean {
    return urn.split("::")[2]?.endsWith("pulumi:pulumi:Stack") ?? false;
}

/** The first line that says something: the engine's "error:" prefix and blank lines dropped. */
export function firstLine(message: string): string {
    const line = message
        .split("\n")
        .map((text) => text.trim().replace(/^error:\s*/i, ""))
        .find((text) => text !== "");
    return line ?? "";
}

const NO_MESSAGE = "failed without a message (see the tenant's log)";

/** The providers' messages start with "Environment <id>: ", which the entry already says. */
function withoutEnvironment(reason: string, environmentId: string): string {
    const prefix = `Environment ${environmentId}: `;
    return reason.startsWith(prefix) && reason.length > prefix.length ? reason.slice(prefix.length) : reason;
}

/** Watches an update's events; `failures()` names what failed, in the order the engine reported it. */
export class FailureCollector {
    /** Resource URN → the first error reported for it (undefined until a diagnostic says why). */
    private readonly failed = new Map<string, string | undefined>();

    observe(event: EngineEvent): void {
        const diagnostic = event.diagnosticEvent;
        if (diagnostic?.severity === "error" && diagnostic.urn && !isStack(diagnostic.urn)) {
            // The first message with something in it is the cause; later ones repeat or follow from it.
            if (this.failed.get(diagnostic.urn) === undefined) this.failed.set(diagnostic.urn, firstLine(diagnostic.message) || undefined);
        }
        const operationFailed = event.resOpFailedEvent;
        if (operationFailed && !this.failed.has(operationFailed.metadata.urn)) this.failed.set(operationFailed.metadata.urn, undefined);
    }

    failures(): Failures {
        const environments: EnvironmentNotConverged[] = [];
        const others: ResourceFailed[] = [];
        for (const [urn, reason] of this.failed) {
            const resource = nameOf(urn);
            const environmentId = environmentOfResource(resource);
            if (environmentId === undefined) others.push({ resource, reason: reason ?? NO_MESSAGE });
            // One entry per environment: its first failure is the one that stopped the rest there.
            else if (!environments.some((entry) => entry.environmentId === environmentId))
                environments.push({ environmentId, resource, reason: withoutEnvironment(reason ?? NO_MESSAGE, environmentId) });
        }
        return { environments, others };
    }
}

/** What the tenant says of an environment it should serve: restricted to which group, and whether the account is ready there. */
export interface EnvironmentInTenant {
    readonly id: string;
    readonly securityGroupId: string | null;
    readonly ok: boolean;
}

/**
 * A failed membership of a security group stops the users of every environment
 * restricted to it, with no event of theirs: each such environment not ready in the
 * tenant is named with the membership's reason, and the membership leaves the list of
 * other failures. Without the tenant's list (it could not be read) nothing changes.
 */
export function attributeGroupFailures(failures: Failures, tenant: readonly EnvironmentInTenant[] | null): Failures {
    if (!tenant) return failures;
    const environments = [...failures.environments];
    const others: ResourceFailed[] = [];
    for (const failure of failures.others) {
        const groupId = failure.resource.startsWith(GROUP_MEMBER_PREFIX) ? failure.resource.slice(GROUP_MEMBER_PREFIX.length).toLowerCase() : undefined;
        const stopped = groupId
            ? tenant.filter(
                  (environment) =>
                      !environment.ok &&
                      environment.securityGroupId?.toLowerCase() === groupId &&
                      !environments.some((entry) => entry.environmentId === environment.id),
              )
            : [];
        if (stopped.length === 0) {
            others.push(failure);
            continue;
        }
        for (const environment of stopped) {
            environments.push({
                environmentId: environment.id,
                resource: failure.resource,
                reason: `the account could not join its security group ${groupId}: ${failure.reason}`,
            });
        }
    }
    return { environments, others };
}

/** "did not converge: <id>: <reason>; <id>: <reason>", then the other resources that failed; undefined when no environment failed. */
export function describeFailures(failures: Failures): string | undefined {
    if (failures.environments.length === 0) return undefined;
    const environments = `did not converge: ${failures.environments.map((entry) => `${entry.environmentId}: ${entry.reason}`).join("; ")}`;
    return failures.others.length === 0
        ? environments
        : `${environments}; also failed: ${failures.others.map((entry) => `${entry.resource}: ${entry.reason}`).join("; ")}`;
}
