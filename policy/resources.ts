// What the policies know about the program's resources: their type tokens, the input
// that names the account in each, and how a violation names a resource. The tokens are
// the ones the program registers (test/policy/policies.test.ts checks them against the
// program's own registrations).

/** A resource as a policy sees it: the fields common to resource and stack validation. */
export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, any>;
}

/** The stack's root resource: every stack has exactly one, registered before anything else. */
export const STACK = "pulumi:pulumi:Stack";
/** The program's component, the parent of every grant (lib/service-account-access.ts). */
export const COMPONENT = "d365-backup-access:index:ServiceAccountAccess";
export const DIRECTORY_ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
/** Global Administrator through Entra PIM, ending by itself (when d365-backup-access:elevationHours is set). */
export const TIME_BOUND_ROLE_ASSIGNMENT = "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment";
export const GROUP_MEMBER = "azuread:index/groupMember:GroupMember";
export const ENVIRONMENT_USER = "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser";
export const SECURITY_ROLE_ASSIGNMENT = "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment";

export const READ_WRITE = "read-write";
/** Directory roles apply tenant-wide at scope "/"; anything else would be an administrative unit or an app. */
export const TENANT_SCOPE = "/";

/** Both ways the program assigns an Entra directory role. */
export function isDirectoryRoleGrant(resource: Pick<ResourceView, "type">): boolean {
    return resource.type === DIRECTORY_ROLE_ASSIGNMENT || resource.type === TIME_BOUND_ROLE_ASSIGNMENT;
}

/** The input through which each kind of resource grants something to a principal. */
const PRINCIPAL_INPUT: Readonly<Record<string, string>> = {
    [DIRECTORY_ROLE_ASSIGNMENT]: "principalObjectId",
    [TIME_BOUND_ROLE_ASSIGNMENT]: "principalObjectId",
    [GROUP_MEMBER]: "memberObjectId",
    [ENVIRONMENT_USER]: "userObjectId",
    [SECURITY_ROLE_ASSIGNMENT]: "userObjectId",
};

/** The input naming the principal a resource grants access to, or undefined for resources that grant nothing. */
export function principalInput(resource: Pick<ResourceView, "type">): string | undefined {
    return PRINCIPAL_INPUT[resource.type];
}

/** Ids compare case-insensitively: Entra and Power Platform return lower case, people paste either. */
export function sameId(a: unknown, b: unknown): boolean {
    return typeof a === "string" && typeof b === "string" && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** How a violation names a resource: its short type and its name, e.g. DirectoryRoleAssignment "directory-role-global-administrator". */
export function describeResource(resource: Pick<ResourceView, "type" | "name">): string {
    return `${resource.type.split(":").pop()} "${resource.name}"`;
}
