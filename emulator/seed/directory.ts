// The seed's directory: the operator, applications, users and groups, the ids the rest
// of the seed may refer to, and the directory roles they hold (active assignments and
// PIM eligibilities).
import { derivedGuid, roleAssignmentId } from "../ids";
import { DIRECTORY_ROLE_TEMPLATES } from "../data/directory";
import { DEFAULT_GRAPH_PERMISSIONS, GRAPH_APPLICATION_PERMISSIONS } from "../data/graph-permissions";
import { checkUnique, checkUniqueIn, Obj, optionalDateTime, Reader } from "./reader";
import { Application, DirectoryRoleAssignment, Group, Operator, RoleEligibility, User } from "./types";

const DIRECTORY_ROLE_IDS = new Set(DIRECTORY_ROLE_TEMPLATES.map((r) => r.id));
const APPLICATION_FIELDS = ["clientId", "clientSecret", "objectId", "displayName", "registeredAdminApplication", "graphPermissions"];
const ROLE_ASSIGNMENT_FIELDS = ["id", "principalId", "roleDefinitionId", "directoryScopeId", "startDateTime", "endDateTime"];

/** Granted Graph application permissions: known names, each once; absent = the defaults, which open every emulated route. */
function graphPermissions(r: Reader, path: string, value: unknown): string[] {
    if (value === undefined) return [...DEFAULT_GRAPH_PERMISSIONS];
    const names = r.each(path, value, (where, p) => r.oneOf(where, p, GRAPH_APPLICATION_PERMISSIONS));
    names.forEach((name, i) => {
        if (names.indexOf(name) !== i) r.problem(`${path}[${i}]`, name, "each permission once");
    });
    return names;
}

/** The application the emulated product signs in as: its secret is required. */
export function readOperator(r: Reader, value: unknown): Operator {
    const p = "seed.operator";
    const op = r.object(p, value, APPLICATION_FIELDS) ?? {};
    return {
        clientId: r.guid(`${p}.clientId`, op.clientId),
        clientSecret: r.string(`${p}.clientSecret`, op.clientSecret),
        objectId: r.guid(`${p}.objectId`, op.objectId),
        displayName: r.string(`${p}.displayName`, op.displayName, "d365-backup-access operator"),
        registeredAdminApplication: r.boolean(`${p}.registeredAdminApplication`, op.registeredAdminApplication, true),
        graphPermissions: graphPermissions(r, `${p}.graphPermissions`, op.graphPermissions),
    };
}

export function readApplication(r: Reader, i: number, value: unknown): Application {
    const p = `seed.applications[${i}]`;
    const a = r.object(p, value, APPLICATION_FIELDS) ?? {};
    return {
        clientId: r.guid(`${p}.clientId`, a.clientId),
        ...(a.clientSecret !== undefined ? { clientSecret: r.string(`${p}.clientSecret`, a.clientSecret) } : {}),
        objectId: r.guid(`${p}.objectId`, a.objectId),
        displayName: r.string(`${p}.displayName`, a.displayName, `application ${i}`),
        registeredAdminApplication: r.boolean(`${p}.registeredAdminApplication`, a.registeredAdminApplication, false),
        graphPermissions: graphPermissions(r, `${p}.graphPermissions`, a.graphPermissions),
    };
}

export function readUser(r: Reader, p: string, value: unknown): User {
    const u = r.object(p, value, ["id", "userPrincipalName", "displayName", "accountEnabled", "licenses", "password"]) ?? {};
    const upn = r.string(`${p}.userPrincipalName`, u.userPrincipalName);
    if (upn && !/^[^@\s]+@[^@\s]+$/.test(upn)) r.problem(`${p}.userPrincipalName`, upn, "name@domain");
    return {
        id: r.guid(`${p}.id`, u.id),
        userPrincipalName: upn,
        displayName: r.string(`${p}.displayName`, u.displayName, upn.split("@")[0] || "user"),
        accountEnabled: r.boolean(`${p}.accountEnabled`, u.accountEnabled, true),
        licenses: r.each(`${p}.licenses`, u.licenses, (where, l) => r.string(where, l)),
        ...(u.password === undefined ? {} : { password: r.string(`${p}.password`, u.password) }),
    };
}

export function readGroup(r: Reader, p: string, value: unknown): Group {
    const g = r.object(p, value, ["id", "displayName", "members", "isAssignableToRole"]) ?? {};
    return {
        id: r.guid(`${p}.id`, g.id),
        displayName: r.string(`${p}.displayName`, g.displayName),
        members: r.each(`${p}.members`, g.members, (where, m) => r.guid(where, m)),
        isAssignableToRole: r.boolean(`${p}.isAssignableToRole`, g.isAssignableToRole, false),
    };
}

/** The ids the rest of the seed may refer to. */
export interface Directory {
    /** The operator, applications and users: what can sign in, hold roles and be a system user. */
    principals: ReadonlySet<string>;
    /** As in Entra, a directory role (active or eligible) can be given to a group only when it was created role-assignable. */
    roleAssignableGroups: ReadonlySet<string>;
    groupIds: ReadonlySet<string>;
    userIds: ReadonlySet<string>;
}

export function directoryOf(operator: Operator, applications: Application[], users: User[], groups: Group[]): Directory {
    return {
        principals: new Set([operator.objectId, ...applications.map((a) => a.objectId), ...users.map((u) => u.id)]),
        roleAssignableGroups: new Set(groups.filter((g) => g.isAssignableToRole).map((g) => g.id)),
        groupIds: new Set(groups.map((g) => g.id)),
        userIds: new Set(users.map((u) => u.id)),
    };
}

/** Object ids, client ids and user principal names each used once; group members in the seed. */
export function checkDirectory(r: Reader, operator: Operator, applications: Application[], users: User[], groups: Group[], directory: Directory): void {
    checkUnique(r, "seed", [
        ["operator.objectId", operator.objectId] as const,
        ...applications.map((a, i) => [`applications[${i}].objectId`, a.objectId] as const),
        ...users.map((u, i) => [`users[${i}].id`, u.id] as const),
        ...groups.map((g, i) => [`groups[${i}].id`, g.id] as const),
    ]);
    checkUnique(r, "seed", [
        ["operator.clientId", operator.clientId] as const,
        ...applications.map((a, i) => [`applications[${i}].clientId`, a.clientId] as const),
    ]);
    checkUniqueIn(r, "seed", "users", users, ".userPrincipalName", (u) => u.userPrincipalName.toLowerCase());
    const directoryObjects = new Set([...directory.principals, ...directory.groupIds]);
    groups.forEach((g, i) =>
        g.members.forEach((m, j) => {
            if (m && !directoryObjects.has(m))
                r.problem(`seed.groups[${i}].members[${j}]`, m, "the id of a user, application, the operator or another group in this seed");
        }),
    );
}

// ---- directory roles: active assignments and PIM eligibilities ----

const ROLE_PRINCIPAL = "the id of a user, application, the operator or a role-assignable group (isAssignableToRole: true) in this seed";

/** Who holds which role, as both kinds of role entry name them: a principal of this seed and a built-in role template. */
/** One principal holds one role at one scope once, whether assigned or eligible. */
const ROLE_HOLDING = " (principalId, roleDefinitionId, directoryScopeId)";
const roleHolding = (a: { principalId: string; roleDefinitionId: string; directoryScopeId: string }) =>
    `${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`;

function readRoleHolder(r: Reader, p: string, o: Obj, directory: Directory, templateExpected: string): { principalId: string; roleDefinitionId: string } {
    const principalId = r.guid(`${p}.principalId`, o.principalId);
    const roleDefinitionId = r.guid(`${p}.roleDefinitionId`, o.roleDefinitionId);
    if (principalId && !directory.principals.has(principalId) && !directory.roleAssignableGroups.has(principalId))
        r.problem(`${p}.principalId`, principalId, ROLE_PRINCIPAL);
    if (roleDefinitionId && !DIRECTORY_ROLE_IDS.has(roleDefinitionId)) r.problem(`${p}.roleDefinitionId`, roleDefinitionId, templateExpected);
    return { principalId, roleDefinitionId };
}

export function readDirectoryRoleAssignments(r: Reader, value: unknown, directory: Directory): DirectoryRoleAssignment[] {
    const assignments = r.each("seed.directoryRoleAssignments", value, (p, a) => readDirectoryRoleAssignment(r, p, a, directory));
    checkUniqueIn(r, "seed", "directoryRoleAssignments", assignments, ROLE_HOLDING, roleHolding);
    checkUniqueIn(r, "seed", "directoryRoleAssignments", assignments, ".id", (a) => a.id);
    return assignments;
}

function readDirectoryRoleAssignment(r: Reader, p: string, value: unknown, directory: Directory): DirectoryRoleAssignment {
    const a = r.object(p, value, ROLE_ASSIGNMENT_FIELDS) ?? {};
    const templates = `a built-in role template id (${DIRECTORY_ROLE_TEMPLATES.map((t) => `${t.displayName} ${t.id}`).join("; ")})`;
    const { principalId, roleDefinitionId } = readRoleHolder(r, p, a, directory, templates);
    const directoryScopeId = r.string(`${p}.directoryScopeId`, a.directoryScopeId, "/");
    const startDateTime = optionalDateTime(r, `${p}.startDateTime`, a.startDateTime);
    const endDateTime = optionalDateTime(r, `${p}.endDateTime`, a.endDateTime);
    return {
        startDateTime,
        endDateTime,
        id: a.id === undefined ? roleAssignmentId(roleDefinitionId || derivedGuid("x"), principalId || derivedGuid("y")) : r.string(`${p}.id`, a.id),
        principalId,
        roleDefinitionId,
        directoryScopeId,
    };
}

export function readRoleEligibilitySchedules(r: Reader, value: unknown, directory: Directory): RoleEligibility[] {
    const schedules = r.each("seed.roleEligibilitySchedules", value, (p, e) => readRoleEligibility(r, p, e, directory));
    checkUniqueIn(r, "seed", "roleEligibilitySchedules", schedules, ROLE_HOLDING, roleHolding);
    return schedules;
}

function readRoleEligibility(r: Reader, p: string, value: unknown, directory: Directory): RoleEligibility {
    const e = r.object(p, value, ROLE_ASSIGNMENT_FIELDS) ?? {};
    const { principalId, roleDefinitionId } = readRoleHolder(r, p, e, directory, "a built-in role template id");
    return {
        id: e.id === undefined ? derivedGuid("role-eligibility", roleDefinitionId, principalId) : r.string(`${p}.id`, e.id),
        principalId,
        roleDefinitionId,
        directoryScopeId: r.string(`${p}.directoryScopeId`, e.directoryScopeId, "/"),
        startDateTime: optionalDateTime(r, `${p}.startDateTime`, e.startDateTime),
        endDateTime: optionalDateTime(r, `${p}.endDateTime`, e.endDateTime),
    };
}
