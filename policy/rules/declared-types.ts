// Deny by default. The other rules check what the program's own resource types grant;
// a resource of any other type (a directory role member, a PIM eligibility request, a
// dynamic resource of another provider) would pass all of them unseen. So every resource
// must be of a type in DECLARED_RESOURCE_TYPES, and a type the program starts to
// declare is let through only by adding it there, where a reviewer sees it.
//
// A type name alone says too little for two kinds of resource:
// - a provider (`pulumi:providers:azuread`) decides the tenant, the endpoints and the
//   credentials of every resource it serves. The program declares none: the engine
//   registers a default provider per package, configured from the stack's settings and
//   named `default` or `default_<version>`. A provider of another name was declared by
//   the program, with settings of its own, and is refused.
// - a dynamic resource (`pulumi-nodejs:dynamic/...`) carries the code of its provider in
//   its `__provider` input, and the engine runs that code with the stack's credentials.
//   The program's three dynamic types store one fixed line that loads the project's own
//   implementation (HOSTED_PROVIDER_TEXTS); any other text is refused when the engine hands
//   the pack `__provider` (the pinned CLI does not: then only the type and name checks apply).
//
// Checked per resource, before the engine creates or changes it: an update refused here
// stops before that resource reaches the tenant, with or without a preview.

import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import { DECLARED_RESOURCE_TYPES, HOSTED_PROVIDER_TEXTS, isDefaultProviderName, PROVIDER_TYPE_PREFIX } from "../facts";
import { describeResource, ResourceView } from "../resources";

export const DECLARED_TYPES_POLICY = "only-declared-resource-types";

export function onlyDeclaredResourceTypes(): ResourceValidationPolicy {
    return {
        name: DECLARED_TYPES_POLICY,
        description:
            "Deny by default: only the resource types the program declares (policy/facts.ts DECLARED_RESOURCE_TYPES), " +
            "providers only as the engine's default ones, and dynamic resources only with the program's own provider code.",
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (!DECLARED_RESOURCE_TYPES.includes(args.type)) {
                reportViolation(
                    `${describeResource(args)} is of type ${args.type}, which the program does not declare: the pack refuses every ` +
                        `type outside DECLARED_RESOURCE_TYPES (policy/facts.ts), since its other rules cannot tell what another type grants. ` +
                        `Fix: remove it from the program (this project manages only the backup account's access); if the program is ` +
                        `meant to declare it, add ${args.type} to DECLARED_RESOURCE_TYPES in policy/facts.ts, with a rule for what it grants.`,
                );
                return;
            }
            if (args.type.startsWith(PROVIDER_TYPE_PREFIX)) checkDefaultProvider(args, reportViolation);
            const hostedText = HOSTED_PROVIDER_TEXTS[args.type];
            if (hostedText !== undefined) checkHostedProvider(args, hostedText, reportViolation);
        },
    };
}

function checkDefaultProvider(resource: ResourceView, reportViolation: ReportViolation): void {
    if (isDefaultProviderName(resource.name)) return;
    reportViolation(
        `${describeResource(resource)} is a provider the program declares itself (the engine names its default providers ` +
            `"default" or "default_<version>"): an explicit provider carries its own tenant, endpoints and credentials instead of ` +
            `the stack's settings, and the pack cannot check where it sends the stack's grants. ` +
            `Fix: remove the provider from the program and the \`provider\`/\`providers\` option that uses it; ` +
            `set what it configured in the stack's settings (\`pulumi config set azuread:<key> ...\`).`,
    );
}

function checkHostedProvider(resource: ResourceView, hostedText: string, reportViolation: ReportViolation): void {
    const stored = resource.props["__provider"];
    if (stored === hostedText) return;
    // Absent: the pinned CLI does not hand a dynamic resource's __provider to a pack (seen through the
    // CLI: the program's own resources arrive without it), so there is nothing to compare; code that is
    // there is compared, and anything but the program's own line is refused.
    if (stored === undefined) return;
    const what =
        typeof stored === "string"
            ? `other provider code (${stored.length} characters)`
            : `no provider code as text (${stored === undefined ? "none" : /^[aeiou]/.test(typeof stored) ? `an ${typeof stored}` : `a ${typeof stored}`})`;
    reportViolation(
        `${describeResource(resource)} carries ${what} in its __provider input instead of the program's one-line hosted provider, ` +
            `${JSON.stringify(hostedText.trim())}: the engine would run that code with the stack's credentials. ` +
            `Fix: register ${resource.type.split(":").pop()} through the program's own class (providers/hosting/hosted-provider.ts HostedResource), ` +
            `not through dynamic.Resource or with a provider of its own.`,
    );
}
