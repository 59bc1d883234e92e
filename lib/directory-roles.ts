// Built-in Entra directory roles this program assigns. Assignments use the role's
// *template id*: for built-in roles it equals the roleDefinitionId in every tenant,
// whereas a DirectoryRole object id differs per tenant and would make the azuread
// provider replace the assignment on every run.

export interface DirectoryRole {
    /** Stable key: part of the Pulumi resource name, so it must never change. */
    readonly key: string;
    readonly displayName: string;
    readonly templateId: string;
}

export const GLOBAL_ADMINISTRATOR: DirectoryRole = {
    key: "global-administrator",
    displayName: "Global Administrator",
    templateId: "62e90394-69f5-4237-9190-012177145e10",
};

/** Called "Dynamics 365 Service Administrator" in Graph (formerly "CRM Service Administrator"). */
export const DYNAMICS_365_ADMINISTRATOR: DirectoryRole = {
    key: "dynamics-365-administrator",
    displayName: "Dynamics 365 Administrator",
    templateId: "44367163-eba1-44c3-98af-f5787879f96a",
};

export const POWER_PLATFORM_ADMINISTRATOR: DirectoryRole = {
    key: "power-platform-administrator",
    displayName: "Power Platform Administrator",
    templateId: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
};

/** Every role this program assigns, for looking one up by its template id. */
export const DIRECTORY_ROLES: readonly DirectoryRole[] = [GLOBAL_ADMINISTRATOR, DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR];
