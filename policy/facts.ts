// What the program assigns and reads, repeated here so that the pack is self-contained:
// `pulumi policy publish` uploads this directory alone, without the program's lib/ and
// providers/. test/policy/facts.test.ts checks every value against the program's own,
// and test/policy/program.test.ts the resource types against the program's registrations.

import { COMPONENT, DIRECTORY_ROLE_ASSIGNMENT, ENVIRONMENT_USER, GROUP_MEMBER, SECURITY_ROLE_ASSIGNMENT, STACK, TIME_BOUND_ROLE_ASSIGNMENT } from "./resources";

export const NAMESPACE = "d365-backup-access";

export interface DirectoryRoleFact {
    readonly displayName: string;
    readonly templateId: string;
}

export const GLOBAL_ADMINISTRATOR: DirectoryRoleFact = { displayName: "Global Administrator", templateId: "62e90394-69f5-4237-9190-012177145e10" };

/** Every directory role the program assigns (lib/directory-roles.ts). */
export const DIRECTORY_ROLES: readonly DirectoryRoleFact[] = [
    GLOBAL_ADMINISTRATOR,
    { displayName: "Dynamics 365 Administrator", templateId: "44367163-eba1-44c3-98af-f5787879f96a" },
    { displayName: "Power Platform Administrator", templateId: "11648597-926c-4cf3-9c36-bcebb0ba8dcc" },
];

/** Dataverse's System Administrator security role, by its template id (the same in every environment). */
export const SYSTEM_ADMINISTRATOR_TEMPLATE_ID = "627090ff-40a3-4053-8790-584edc5be201";

/** The credential keys among those the program reads (providers/transport/settings/keys.ts SECRET_CONFIG_KEYS). */
export const SECRET_CONFIG_KEYS: readonly string[] = [
    "azuread:clientSecret",
    "azuread:clientCertificate",
    "azuread:clientCertificatePassword",
    "azuread:oidcToken",
    "azuread:oidcRequestToken",
];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
    return GUID.test(value);
}

/**
 * Every resource type a deployment of the program holds, and the only ones the pack lets
 * through (rules/declared-types.ts): the stack, the program's component and what it
 * registers in any stage, and the default provider the engine registers for each package
 * of those (`pulumi:providers:<package>`, let through under a default name only:
 * isDefaultProviderName). A type outside this list is refused, however
 * harmless it looks: the other rules know what these types grant, and nothing else.
 */
export const DECLARED_RESOURCE_TYPES: readonly string[] = [
    STACK,
    COMPONENT,
    DIRECTORY_ROLE_ASSIGNMENT,
    GROUP_MEMBER,
    TIME_BOUND_ROLE_ASSIGNMENT,
    ENVIRONMENT_USER,
    SECURITY_ROLE_ASSIGNMENT,
    "pulumi:providers:azuread",
    "pulumi:providers:pulumi-nodejs",
    // For the engine's builtin invoke that reads the stack's own last state (lib/previous-state.ts).
    "pulumi:providers:pulumi",
];

/** Every provider type in DECLARED_RESOURCE_TYPES: only the engine registers them (the program declares no provider). */
export const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

/**
 * The names the engine gives the default provider of a package: `default`, or
 * `default_<major>_<minor>_<patch>` when the package states its version (`@pulumi/azuread`
 * does: `default_6_9_1`, as a real state shows). The program declares no provider of its
 * own, so a provider resource of any other name was declared by the program, and could
 * point at another tenant or another metadataHost than the stack's configuration.
 */
const DEFAULT_PROVIDER_NAME = /^default(_\d+_\d+_\d+)?$/;

export function isDefaultProviderName(name: string): boolean {
    return DEFAULT_PROVIDER_NAME.test(name);
}

/** The project-relative file every stored dynamic provider loads (providers/hosting/hosted-provider.ts HOST_ENTRY). */
const HOST_ENTRY = "providers/host-entry.js";

/**
 * The one-line module the program stores as `__provider` for each of its dynamic types
 * (providers/hosting/hosted-provider.ts hostedProviderText), by resource type token. Any other
 * text is code the engine would run with the stack's credentials.
 */
export const HOSTED_PROVIDER_TEXTS: Readonly<Record<string, string>> = Object.fromEntries(
    [ENVIRONMENT_USER, SECURITY_ROLE_ASSIGNMENT, TIME_BOUND_ROLE_ASSIGNMENT].map((type) => {
        const resourceType = type.split(":").pop()!;
        return [type, `exports.handler = () => require(require("path").resolve(${JSON.stringify(HOST_ENTRY)})).provider(${JSON.stringify(resourceType)});\n`];
    }),
);
