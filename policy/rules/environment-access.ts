// In every Power Platform environment the account is a Dataverse user with access mode
// Read-Write and holds System Administrator; every environment listed in the stack's
// configuration has such a user. The user is an EnvironmentUser, or a
// SecurityRoleAssignment with an access mode, which keeps the user and the role in one
// resource (what the program registers; the pair is what older stacks hold).

import { StackValidationPolicy } from "@pulumi/policy";

import { SYSTEM_ADMINISTRATOR_TEMPLATE_ID } from "../facts";
import { describeResource, ENVIRONMENT_USER, READ_WRITE, ResourceView, sameId, SECURITY_ROLE_ASSIGNMENT } from "../resources";
import { configValue, ENVIRONMENTS_KEY, StackConfig } from "../stack-config";

/** The environment ids the stack lists, or undefined for ["*"] (every environment with Dataverse) and for no list. */
function listedEnvironments(config: StackConfig): string[] | undefined {
    const text = configValue(config, ENVIRONMENTS_KEY);
    if (text === undefined) return undefined;
    let ids: unknown;
    try {
        ids = JSON.parse(text);
    } catch {
        return undefined; // The program refuses a malformed list before registering anything.
    }
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string") || ids.some((id) => id.trim() === "*")) return undefined;
    return ids.map((id: string) => id.trim());
}

export function environmentUsersReadWriteSystemAdministrator(config: () => StackConfig): StackValidationPolicy {
    return {
        name: "environment-users-read-write-system-administrator",
        description:
            "Every environment user has access mode Read-Write and the System Administrator role, and every environment the stack lists has such a user.",
        enforcementLevel: "mandatory",
        validateStack: (args, reportViolation) => {
            const roles: ResourceView[] = args.resources.filter((r) => r.type === SECURITY_ROLE_ASSIGNMENT);
            const users: ResourceView[] = [
                ...args.resources.filter((r) => r.type === ENVIRONMENT_USER),
                ...roles.filter((role) => role.props.accessMode !== undefined),
            ];

            for (const user of users) {
                const { environmentId, userObjectId, accessMode } = user.props;
                const name = describeResource(user);
                if (typeof accessMode !== "string" || accessMode.toLowerCase() !== READ_WRITE) {
                    reportViolation(
                        `${name} in environment ${environmentId} has access mode ${JSON.stringify(accessMode ?? null)}. ` +
                            `Fix: set accessMode to "${READ_WRITE}"; the backup product reads and restores through this user.`,
                        user.urn,
                    );
                }
                const holdsSystemAdministrator = roles.some(
                    (role) =>
                        sameId(role.props.environmentId, environmentId) &&
                        sameId(role.props.userObjectId, userObjectId) &&
                        sameId(role.props.roleTemplateId, SYSTEM_ADMINISTRATOR_TEMPLATE_ID),
                );
                if (!holdsSystemAdministrator) {
                    reportViolation(
                        `${name} in environment ${environmentId} is given no System Administrator role. ` +
                            `Fix: add a SecurityRoleAssignment for the same environment and user with roleTemplateId ${SYSTEM_ADMINISTRATOR_TEMPLATE_ID}.`,
                        user.urn,
                    );
                }
            }

            for (const role of roles) {
                if (sameId(role.props.roleTemplateId, SYSTEM_ADMINISTRATOR_TEMPLATE_ID)) continue;
                reportViolation(
                    `${describeResource(role)} in environment ${role.props.environmentId} assigns security role template ` +
                        `${JSON.stringify(role.props.roleTemplateId ?? null)} instead of System Administrator. ` +
                        `Fix: set roleTemplateId to ${SYSTEM_ADMINISTRATOR_TEMPLATE_ID}.`,
                    role.urn,
                );
            }

            for (const environmentId of listedEnvironments(config()) ?? []) {
                if (users.some((user) => sameId(user.props.environmentId, environmentId))) continue;
                reportViolation(
                    `Environment ${environmentId}, listed in ${ENVIRONMENTS_KEY}, has no environment user for the account. ` +
                        `Fix: the program must register the account's access there: a SecurityRoleAssignment for System Administrator with access mode ${READ_WRITE}, ` +
                        `or remove the environment from ${ENVIRONMENTS_KEY}.`,
                );
            }
        },
    };
}
