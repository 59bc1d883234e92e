// Deny by default. The other rules check what the program's own resource types grant;
// a resource of any other type (a directory role member, a PIM eligibility request, a
// dynamic resource of another provider) would pass all of them unseen. So every resource
// must be of a type in DECLARED_RESOURCE_TYPES, and a type the program starts to
// declare is let through only by adding it there, where a reviewer sees it.
//
// Checked per resource, before the engine creates or changes it: an update refused here
// stops before that resource reaches the tenant, with or without a preview.

import { ResourceValidationPolicy } from "@pulumi/policy";

import { DECLARED_RESOURCE_TYPES } from "../facts";
import { describeResource } from "../resources";

export const DECLARED_TYPES_POLICY = "only-declared-resource-types";

export function onlyDeclaredResourceTypes(): ResourceValidationPolicy {
    return {
        name: DECLARED_TYPES_POLICY,
        description: "Deny by default: only the resource types the program declares (policy/facts.ts DECLARED_RESOURCE_TYPES).",
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (DECLARED_RESOURCE_TYPES.includes(args.type)) return;
            reportViolation(
                `${describeResource(args)} is of type ${args.type}, which the program does not declare: the pack refuses every ` +
                    `type outside DECLARED_RESOURCE_TYPES (policy/facts.ts), since its other rules cannot tell what another type grants. ` +
                    `Fix: remove it from the program (this project manages only the backup account's access); if the program is ` +
                    `meant to declare it, add ${args.type} to DECLARED_RESOURCE_TYPES in policy/facts.ts, with a rule for what it grants.`,
            );
        },
    };
}
