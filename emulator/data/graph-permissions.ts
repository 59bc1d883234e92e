// Microsoft Graph application permissions the emulator models (services/graph/permissions.ts
// says which route needs which).

/** The application permissions the emulator knows; a seed naming another is refused (typos). */
export const GRAPH_APPLICATION_PERMISSIONS: readonly string[] = [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Organization.Read.All",
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "User.Read.All",
    "User.ReadWrite.All",
];

/**
 * What an application is granted when its seed says nothing: enough for every emulated
 * route, so a seed without `graphPermissions` behaves as before permissions were modelled.
 */
export const DEFAULT_GRAPH_PERMISSIONS: readonly string[] = [
    "Application.Read.All",
    "Directory.Read.All",
    "GroupMember.ReadWrite.All",
    "RoleManagement.ReadWrite.Directory",
    "User.Read.All",
];
