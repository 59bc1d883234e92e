// The Microsoft Graph application permissions the operator's application needs, what
// each one's absence breaks, and how an admin grants it. Pure data and one pure
// decision per permission: whether the token's `roles` claim (where Entra lists the
// application permissions granted with admin consent) holds it or a broader one.

/** Microsoft Graph's application id, for `az ad app permission add --api`. */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

export interface GraphPermissionRequirement {
    /** The permission to grant: the least privileged one that does the job. */
    readonly permission: string;
    /** Its application permission (app role) id in Microsoft Graph. */
    readonly appRoleId: string;
    /** Granted permissions that include it (itself first). */
    readonly satisfiedBy: readonly string[];
    /** What fails without it. */
    readonly breaks: string;
}

export const ROLE_MANAGEMENT: GraphPermissionRequirement = {
    permission: "RoleManagement.ReadWrite.Directory",
    appRoleId: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
    satisfiedBy: ["RoleManagement.ReadWrite.Directory"],
    breaks:
        "assigning and removing the account's directory roles (Global Administrator, Dynamics 365 Administrator, " +
        "Power Platform Administrator) in every stage, and reading the roles it already holds",
};

export const USER_READ: GraphPermissionRequirement = {
    permission: "User.Read.All",
    appRoleId: "df021288-bdef-4463-88db-98f22de89214",
    satisfiedBy: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    breaks: "resolving the service account (azuread.getUser) and reading its licences: every preview stops there",
};

export const GROUP_MEMBERSHIP: GraphPermissionRequirement = {
    permission: "GroupMember.ReadWrite.All",
    appRoleId: "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
    satisfiedBy: ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
    breaks: "adding the account to the security group of an environment restricted to one (azuread.GroupMember)",
};

export const ROLE_SCHEDULES: GraphPermissionRequirement = {
    permission: "RoleAssignmentSchedule.ReadWrite.Directory",
    appRoleId: "dd199f4a-f148-40a4-a2ec-f0069cc799ec",
    satisfiedBy: ["RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"],
    breaks: "time-bound Global Administrator (d365-backup-access:elevationHours): Entra PIM refuses the schedule request",
};

/** Whether the granted permissions (the token's roles claim) include the requirement; names compared as Entra does, ignoring case. */
export function isGranted(requirement: GraphPermissionRequirement, granted: readonly string[]): boolean {
    const held = new Set(granted.map((name) => name.toLowerCase()));
    return requirement.satisfiedBy.some((name) => held.has(name.toLowerCase()));
}

/** How an admin grants the permission to the application, in the portal and with the Azure CLI. */
export function grantFix(requirement: GraphPermissionRequirement, clientId: string | undefined): string {
    const app = clientId ?? "<client id>";
    return (
        `Microsoft Entra admin center → Applications → App registrations → the application ${app} → API permissions → ` +
        `Add a permission → Microsoft Graph → Application permissions → ${requirement.permission} → Add permissions, ` +
        `then "Grant admin consent for <tenant>". Or: az ad app permission add --id ${app} --api ${MICROSOFT_GRAPH_APP_ID} ` +
        `--api-permissions ${requirement.appRoleId}=Role && az ad app permission admin-consent --id ${app}. ` +
        `Consent can take a few minutes to reach new tokens; then run the doctor again.`
    );
}
