// Global Administrator is the one role that must not linger: none at all in the
// operational stage, and an assignment that ends by itself (Entra PIM) whenever the
// stack asks for one with d365-backup-access:elevationHours.

import { ResourceValidationPolicy } from "@pulumi/policy";

import { GLOBAL_ADMINISTRATOR } from "../facts";
import { DIRECTORY_ROLE_ASSIGNMENT, describeResource, isDirectoryRoleGrant, ResourceView, sameId, TIME_BOUND_ROLE_ASSIGNMENT } from "../resources";
import { configurationUnavailable, configValue, ELEVATION_HOURS_KEY, STAGE_KEY, StackConfig } from "../stack-config";

const MAX_ELEVATION_HOURS = 24;

const isGlobalAdministrator = (resource: ResourceView) => isDirectoryRoleGrant(resource) && sameId(resource.props.roleId, GLOBAL_ADMINISTRATOR.templateId);

/** Whole hours from 1 to 24, written as a number or as text; undefined for anything else. */
export function parseElevationHours(value: unknown): number | undefined {
    const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
    if (!/^\d+$/.test(text)) return undefined;
    const hours = Number(text);
    return hours >= 1 && hours <= MAX_ELEVATION_HOURS ? hours : undefined;
}

export function noGlobalAdministratorInOperational(config: () => StackConfig): ResourceValidationPolicy {
    return {
        name: "no-global-administrator-in-operational",
        description: "The operational stage grants no Global Administrator, permanent or time-bound.",
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (!isGlobalAdministrator(args)) return;
            const stack = config();
            if (!stack.values) {
                reportViolation(`${describeResource(args)} assigns Global Administrator, but ${configurationUnavailable(STAGE_KEY)}`);
                return;
            }
            if (configValue(stack, STAGE_KEY)?.toLowerCase() !== "operational") return;
            reportViolation(
                `${describeResource(args)} assigns Global Administrator while ${STAGE_KEY} is operational. ` +
                    `Fix: operational holds only Dynamics 365 Administrator and Power Platform Administrator (the program's lib/stages.ts); ` +
                    `remove this assignment from the program, or, to re-authenticate the connector, set ${STAGE_KEY} to reauth and back to operational afterwards.`,
            );
        },
    };
}

export function globalAdministratorTimeBound(config: () => StackConfig): ResourceValidationPolicy {
    return {
        name: "global-administrator-time-bound",
        description:
            "With d365-backup-access:elevationHours set, Global Administrator is a time-bound PIM assignment of that many hours (1 to 24), never a permanent one.",
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (!isGlobalAdministrator(args)) return;
            const stack = config();
            // 0 is Pulumi.yaml's default: no elevation.
            const raw = configValue(stack, ELEVATION_HOURS_KEY);
            const configured = raw === "0" ? undefined : raw;
            const hours = parseElevationHours(configured);
            const name = describeResource(args);
            if (configured !== undefined && hours === undefined) {
                reportViolation(
                    `${name} assigns Global Administrator, and ${ELEVATION_HOURS_KEY} is ${JSON.stringify(configured)}, not a number of hours. ` +
                        `Fix: pulumi config set ${ELEVATION_HOURS_KEY} <whole hours from 1 to ${MAX_ELEVATION_HOURS}>.`,
                );
                return;
            }
            if (args.type === DIRECTORY_ROLE_ASSIGNMENT && hours !== undefined) {
                reportViolation(
                    `${name} assigns Global Administrator permanently, but ${ELEVATION_HOURS_KEY} is ${hours}: it must be a time-bound ` +
                        `PIM assignment (${TIME_BOUND_ROLE_ASSIGNMENT.split(":").pop()}) that ends after ${hours} hours. ` +
                        `Fix: deploy with a version of the program that supports ${ELEVATION_HOURS_KEY}, or unset it ` +
                        `(pulumi config rm ${ELEVATION_HOURS_KEY}) to accept a permanent assignment that the next stage removes.`,
                );
                return;
            }
            if (args.type === TIME_BOUND_ROLE_ASSIGNMENT) {
                const assigned = parseElevationHours(args.props.elevationHours);
                if (assigned === undefined) {
                    reportViolation(
                        `${name} assigns Global Administrator for ${JSON.stringify(args.props.elevationHours)} hours; ` +
                            `a time-bound assignment lasts whole hours from 1 to ${MAX_ELEVATION_HOURS}. Fix: set ${ELEVATION_HOURS_KEY} to such a number.`,
                    );
                } else if (hours !== undefined && assigned !== hours) {
                    reportViolation(
                        `${name} assigns Global Administrator for ${assigned} hours, but ${ELEVATION_HOURS_KEY} is ${hours}. ` +
                            `Fix: the program must pass ${ELEVATION_HOURS_KEY} to the assignment unchanged.`,
                    );
                }
            }
        },
    };
}
