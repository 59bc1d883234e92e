// What the program assigns and reads, repeated here so that the pack is self-contained:
// `pulumi policy publish` uploads this directory alone, without the program's lib/ and
// providers/. test/policy/facts.test.ts checks every value against the program's own.

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

/** The credential keys among those the program reads (providers/settings.ts SECRET_CONFIG_KEYS). */
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
