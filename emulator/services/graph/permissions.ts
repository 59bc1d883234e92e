// Graph application permissions: which ones an app-only caller needs for each emulated
// route, and Graph's refusal when its token lacks all of them.
//
// Entra puts the application permissions granted (with admin consent) to an app into
// the `roles` claim of its app-only Graph tokens, and Graph decides from that claim
// alone: a permission granted after the token was issued counts only with a new
// token. Each route is satisfied by any one of its permissions (the least privileged
// first, as in each API's permissions table). The refusal has two shapes, as in Graph:
// directory objects (users, groups, service principals) answer
// 403 Authorization_RequestDenied "Insufficient privileges to complete the operation.";
// role management (roleAssignments, PIM) answers 403 with PermissionScopeNotGranted
// naming the permissions, the body seen from Microsoft's RBAC endpoints.
import { Reply, RequestContext } from "../../core/http";
import { graphError } from "./common";

export { DEFAULT_GRAPH_PERMISSIONS, GRAPH_APPLICATION_PERMISSIONS } from "../../data/graph-permissions";

type Shape = "directory" | "role-management";

interface Requirement {
    readonly methods: readonly string[];
    readonly path: RegExp;
    readonly anyOf: readonly string[];
    readonly shape: Shape;
}

const V = "^/(?:v1\\.0|beta)";
const USER_READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const APPLICATION_READ = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const GROUP_READ = [
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const GROUP_WRITE = ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"];
const ROLES_READ = [
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ROLES_WRITE = ["RoleManagement.ReadWrite.Directory"];
const SCHEDULES_READ = [
    "RoleAssignmentSchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ELIGIBILITY_READ = [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const SCHEDULES_WRITE = ["RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"];

const REQUIREMENTS: readonly Requirement[] = [
    { methods: ["GET"], path: new RegExp(`${V}/users(?:/|$)`, "i"), anyOf: USER_READ, shape: "directory" },
    { methods: ["GET"], path: new RegExp(`${V}/(?:servicePrincipals|directoryObjects)(?:/|$)`, "i"), anyOf: APPLICATION_READ, shape: "directory" },
    { methods: ["GET"], path: new RegExp(`${V}/organization(?:/|$)`, "i"), anyOf: ["Organization.Read.All", ...USER_READ], shape: "directory" },
    { methods: ["GET"], path: new RegExp(`${V}/groups(?:/|$)`, "i"), anyOf: GROUP_READ, shape: "directory" },
    { methods: ["POST", "DELETE"], path: new RegExp(`${V}/groups/[^/]+/members(?:/|$)`, "i"), anyOf: GROUP_WRITE, shape: "directory" },
    {
        methods: ["GET"],
        path: new RegExp(`${V}/roleManagement/directory/(?:roleAssignments|roleDefinitions)(?:/|$)`, "i"),
        anyOf: ROLES_READ,
        shape: "role-management",
    },
    {
        methods: ["POST", "DELETE"],
        path: new RegExp(`${V}/roleManagement/directory/roleAssignments(?:/|$)`, "i"),
        anyOf: ROLES_WRITE,
        shape: "role-management",
    },
    {
        methods: ["GET"],
        path: new RegExp(`${V}/roleManagement/directory/roleAssignmentSchedule(?:Instances|s|Requests)(?:/|$)`, "i"),
        anyOf: SCHEDULES_READ,
        shape: "role-management",
    },
    {
        methods: ["POST"],
        path: new RegExp(`${V}/roleManagement/directory/roleAssignmentScheduleRequests(?:/|$)`, "i"),
        anyOf: SCHEDULES_WRITE,
        shape: "role-management",
    },
    {
        methods: ["GET"],
        path: new RegExp(`${V}/roleManagement/directory/roleEligibilitySchedule(?:Instances|s)(?:/|$)`, "i"),
        anyOf: ELIGIBILITY_READ,
        shape: "role-management",
    },
];

/** The permissions (any one of them) a request needs, or undefined when the route needs none or is not emulated. */
export function requiredPermissions(method: string, path: string): Requirement | undefined {
    return REQUIREMENTS.find((r) => r.methods.includes(method.toUpperCase()) && r.path.test(path));
}

/** The `roles` claim of a token: the application permissions it carries. */
export function grantedRoles(claims: Record<string, unknown> | undefined): string[] {
    const roles = claims?.roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
}

/**
 * Graph's refusal when an app-only caller's token lacks the permission a route needs;
 * undefined when the call may go on. Delegated callers (not emulated) are not checked.
 */
export function permissionRefusal(ctx: RequestContext): Reply | undefined {
    const claims = ctx.caller?.claims;
    if (!claims || claims.idtyp !== "app") return undefined;
    const requirement = requiredPermissions(ctx.method, ctx.path);
    if (!requirement) return undefined;
    const granted = new Set(grantedRoles(claims).map((r) => r.toLowerCase()));
    if (requirement.anyOf.some((p) => granted.has(p.toLowerCase()))) return undefined;
    if (requirement.shape === "directory") {
        return graphError(ctx, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }
    const inner = {
        errorCode: "PermissionScopeNotGranted",
        message: `Authorization failed due to missing permission scope ${requirement.anyOf.join(",")}.`,
        instanceAnnotations: [],
    };
    return graphError(ctx, 403, "UnknownError", JSON.stringify(inner));
}
