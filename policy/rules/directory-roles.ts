// Which directory roles, where, and for whom: the three roles the program knows, at
// tenant scope; and every grant of the stack (directory roles, security-group
// memberships, environment users, Dataverse roles) for one and the same account, the
// configured one.
//
// What "the configured account" can mean here: d365-backup-access:serviceAccount is an
// Entra object id or a user principal name. With an object id, every grant must name
// exactly it. With a user principal name the pack cannot resolve it (that needs Microsoft
// Graph and credentials, which a policy pack must not hold), so it checks only that all
// grants name one principal; the program resolves that principal from the name itself.

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import { DIRECTORY_ROLES, isGuid } from "../facts";
import { describeResource, isDirectoryRoleGrant, principalInput, ResourceView, sameId, TENANT_SCOPE } from "../resources";
import { configValue, SERVICE_ACCOUNT_KEY, StackConfig } from "../stack-config";

const EXPECTED_ROLES = DIRECTORY_ROLES.map((role) => `${role.displayName} (${role.templateId})`).join(", ");

export function expectedDirectoryRoles(): ResourceValidationPolicy {
    return {
        name: "expected-directory-roles",
        description: `Only ${DIRECTORY_ROLES.map((role) => role.displayName).join(", ")}, each assigned at tenant scope ("/").`,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (!isDirectoryRoleGrant(args)) return;
            const name = describeResource(args);
            const { roleId, directoryScopeId } = args.props;
            if (!DIRECTORY_ROLES.some((role) => sameId(role.templateId, roleId))) {
                reportViolation(
                    `${name} assigns directory role ${JSON.stringify(roleId)}, which is not one of the roles the backup account needs. ` +
                        `Fix: assign only ${EXPECTED_ROLES}, by template id; remove this assignment from the program.`,
                );
            }
            if (directoryScopeId !== TENANT_SCOPE) {
                reportViolation(
                    `${name} is scoped to ${JSON.stringify(directoryScopeId)} instead of the whole tenant. ` +
                        `Fix: set directoryScopeId to "${TENANT_SCOPE}"; the backup product needs the roles tenant-wide.`,
                );
            }
        },
    };
}

interface Grant {
    readonly resource: ResourceView;
    readonly input: string;
    readonly principal: unknown;
}

function grantsOf(resources: readonly ResourceView[]): Grant[] {
    const grants: Grant[] = [];
    for (const resource of resources) {
        const input = principalInput(resource);
        if (input) grants.push({ resource, input, principal: resource.props[input] });
    }
    return grants;
}

/** The principal most grants name: the account, when a stray grant names another. */
function mostNamed(grants: readonly Grant[]): string | undefined {
    const counts = new Map<string, number>();
    for (const { principal } of grants) {
        if (typeof principal === "string") counts.set(principal.toLowerCase(), (counts.get(principal.toLowerCase()) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [principal, count] of counts) if (best === undefined || count > counts.get(best)!) best = principal;
    return best;
}

export function grantsForConfiguredAccount(config: () => StackConfig): StackValidationPolicy {
    return {
        name: "grants-for-configured-account",
        description:
            "Every directory role, group membership, environment user and Dataverse role of the stack is for one principal: " +
            "the configured d365-backup-access:serviceAccount when that is an object id.",
        enforcementLevel: "mandatory",
        validateStack: (args, reportViolation) => {
            const grants = grantsOf(args.resources);
            if (grants.length === 0) return;
            const configured = configValue(config(), SERVICE_ACCOUNT_KEY);
            const configuredId = configured !== undefined && isGuid(configured) ? configured.toLowerCase() : undefined;
            const expected = configuredId ?? mostNamed(grants);
            const account = configuredId
                ? `the configured account ${configuredId} (${SERVICE_ACCOUNT_KEY})`
                : `${expected ?? "one principal"}, the principal the stack's other grants name`;
            for (const { resource, input, principal } of grants) {
                if (typeof principal === "string" && sameId(principal, expected)) continue;
                reportViolation(
                    `${describeResource(resource)} grants access to ${JSON.stringify(principal ?? null)} (${input}), not to ${account}. ` +
                        `Fix: every grant of this stack is for the backup service account alone; remove this resource or give it ` +
                        `${input} = the account's object id.`,
                    resource.urn,
                );
            }
        },
    };
}
