// Seed validation: every problem is collected (so one run shows them all), each naming
// the field, the value found and what is expected. Valid seeds come back normalised,
// with defaults filled in and derived ids (system user ids, role assignment ids) fixed.
import { derivedGuid, isGuid, roleAssignmentId } from "../ids";
import { DIRECTORY_ROLE_TEMPLATES } from "../data/directory";
import { DEFAULT_GRAPH_PERMISSIONS, GRAPH_APPLICATION_PERMISSIONS } from "../data/graph-permissions";
import { STANDARD_ROLES } from "../data/standard-roles";
import {
  ENVIRONMENT_SKUS,
  INSTANCE_STATES,
  MANAGEMENT_STATES,
  PROVISIONING_STATES,
  RUNTIME_STATES,
  SERVICE_NAMES,
  Application,
  Behaviour,
  DirectoryRoleAssignment,
  Environment,
  EnvironmentSku,
  FaultSeed,
  Group,
  Operator,
  RoleEligibility,
  RuntimeState,
  LatencySeed,
  RequestLimitSeed,
  ServiceName,
  SystemUser,
  TenantState,
  User,
} from "./types";

export class SeedError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid emulator seed (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    this.name = "SeedError";
  }
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  userSyncDelayMs: 0,
  licensePropagationDelayMs: 0,
  bapPageSize: 50,
  graphPageSize: 100,
  dataverseConcurrencyLimit: 52,
  dataverseConcurrencyRetryAfterSeconds: 1,
  dataverseRequestLimit: { requests: 6000, windowSeconds: 300 },
  graphRequestLimit: null,
  bapRequestLimit: null,
  tokenLifetimeSeconds: 3600,
  latencyMs: 0,
};

type Obj = Record<string, unknown>;

function show(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Collects problems while reading an untyped document. */
class Reader {
  readonly problems: string[] = [];

  problem(path: string, value: unknown, expected: string): void {
    this.problems.push(`${path}: ${show(value)} — expected ${expected}`);
  }

  object(path: string, value: unknown, keys: readonly string[]): Obj | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problem(path, value, "an object");
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.problems.push(`${path}.${key}: unknown field — the known fields are ${keys.join(", ")}`);
    }
    return value as Obj;
  }

  array(path: string, value: unknown): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(path, value, "an array");
      return [];
    }
    return value;
  }

  guid(path: string, value: unknown): string {
    if (!isGuid(value)) {
      this.problem(path, value, "a GUID (8-4-4-4-12 hexadecimal digits)");
      return "";
    }
    return value.toLowerCase();
  }

  optionalGuid(path: string, value: unknown): string | undefined {
    return value === undefined ? undefined : this.guid(path, value);
  }

  string(path: string, value: unknown, fallback?: string): string {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || value.trim() === "") {
      this.problem(path, value, "a non-empty string");
      return fallback ?? "";
    }
    return value;
  }

  boolean(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.problem(path, value, "true or false");
      return fallback;
    }
    return value;
  }

  number(path: string, value: unknown, fallback: number | undefined, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    if (value === undefined && fallback !== undefined) return fallback;
    const { min, max, integer } = opts;
    const bad =
      typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || (min !== undefined && value < min) || (max !== undefined && value > max);
    if (bad) {
      const range = [min !== undefined ? `>= ${min}` : "", max !== undefined ? `<= ${max}` : ""].filter(Boolean).join(" and ");
      this.problem(path, value, `${integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}`);
      return fallback ?? 0;
    }
    return value as number;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback?: T): T {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || !allowed.includes(value as T)) {
      this.problem(path, value, `one of ${allowed.join(", ")}`);
      return fallback ?? allowed[0];
    }
    return value as T;
  }
}

const TEMPLATE_IDS = new Set(STANDARD_ROLES.filter((r) => r.roleTemplateId).map((r) => r.roleTemplateId as string));
const ROLE_NAMES = new Set(STANDARD_ROLES.map((r) => r.name));
const DIRECTORY_ROLE_IDS = new Set(DIRECTORY_ROLE_TEMPLATES.map((r) => r.id));

const SEED_FIELDS = ["tenantId", "entraIdP2", "operator", "applications", "users", "directoryRoleAssignments", "roleEligibilitySchedules", "groups", "environments", "behaviour", "faults"];
const APPLICATION_FIELDS = ["clientId", "clientSecret", "objectId", "displayName", "registeredAdminApplication", "graphPermissions"];
const ROLE_ASSIGNMENT_FIELDS = ["id", "principalId", "roleDefinitionId", "directoryScopeId", "startDateTime", "endDateTime"];

/** Validates a seed (parsed JSON) and returns the live tenant state it describes. */
export function validateSeed(input: unknown): TenantState {
  const r = new Reader();
  const root = r.object("seed", input, SEED_FIELDS);
  if (!root) throw new SeedError(r.problems);

  const tenantId = r.guid("seed.tenantId", root.tenantId);
  const operator = readOperator(r, root.operator);
  const applications = r.array("seed.applications", root.applications).map((value, i) => readApplication(r, i, value));
  const users = r.array("seed.users", root.users).map((value, i) => readUser(r, `seed.users[${i}]`, value));
  const groups = r.array("seed.groups", root.groups).map((value, i) => readGroup(r, `seed.groups[${i}]`, value));
  const directory = directoryOf(operator, applications, users, groups);
  checkDirectory(r, operator, applications, users, groups, directory);

  const directoryRoleAssignments = readDirectoryRoleAssignments(r, root.directoryRoleAssignments, directory);
  const roleEligibilitySchedules = readRoleEligibilitySchedules(r, root.roleEligibilitySchedules, directory);
  const environments = readEnvironments(r, root.environments, tenantId, directory);
  const behaviour = readBehaviour(r, root.behaviour);
  const faults = r.array("seed.faults", root.faults).map((f, i) => readFault(r, `seed.faults[${i}]`, f));
  if (r.problems.length > 0) throw new SeedError(r.problems);

  const entraIdP2 = r.boolean("seed.entraIdP2", root.entraIdP2, true);
  if (!entraIdP2 && roleEligibilitySchedules.length > 0) r.problem("seed.roleEligibilitySchedules", `${roleEligibilitySchedules.length} entries`, "none: eligible assignments need Entra PIM, which needs entraIdP2: true");
  if (r.problems.length > 0) throw new SeedError(r.problems);
  return { tenantId, entraIdP2, operator, applications, users, directoryRoleAssignments, roleEligibilitySchedules, groups, environments, behaviour, faults };
}

// ---- the directory: operator, applications, users, groups ----

/** Granted Graph application permissions: known names, each once; absent = the defaults, which open every emulated route. */
function graphPermissions(r: Reader, path: string, value: unknown): string[] {
  if (value === undefined) return [...DEFAULT_GRAPH_PERMISSIONS];
  const names = r.array(path, value).map((p, i) => r.oneOf(`${path}[${i}]`, p, GRAPH_APPLICATION_PERMISSIONS));
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) r.problem(`${path}[${i}]`, name, "each permission once");
  });
  return names;
}

/** The application the emulated product signs in as: its secret is required. */
function readOperator(r: Reader, value: unknown): Operator {
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

function readApplication(r: Reader, i: number, value: unknown): Application {
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

function readUser(r: Reader, p: string, value: unknown): User {
  const u = r.object(p, value, ["id", "userPrincipalName", "displayName", "accountEnabled", "licenses", "password"]) ?? {};
  const upn = r.string(`${p}.userPrincipalName`, u.userPrincipalName);
  if (upn && !/^[^@\s]+@[^@\s]+$/.test(upn)) r.problem(`${p}.userPrincipalName`, upn, "name@domain");
  return {
    id: r.guid(`${p}.id`, u.id),
    userPrincipalName: upn,
    displayName: r.string(`${p}.displayName`, u.displayName, upn.split("@")[0] || "user"),
    accountEnabled: r.boolean(`${p}.accountEnabled`, u.accountEnabled, true),
    licenses: r.array(`${p}.licenses`, u.licenses).map((l, j) => r.string(`${p}.licenses[${j}]`, l)),
    ...(u.password === undefined ? {} : { password: r.string(`${p}.password`, u.password) }),
  };
}

function readGroup(r: Reader, p: string, value: unknown): Group {
  const g = r.object(p, value, ["id", "displayName", "members", "isAssignableToRole"]) ?? {};
  return {
    id: r.guid(`${p}.id`, g.id),
    displayName: r.string(`${p}.displayName`, g.displayName),
    members: r.array(`${p}.members`, g.members).map((m, j) => r.guid(`${p}.members[${j}]`, m)),
    isAssignableToRole: r.boolean(`${p}.isAssignableToRole`, g.isAssignableToRole, false),
  };
}

/** The ids the rest of the seed may refer to. */
interface Directory {
  /** The operator, applications and users: what can sign in, hold roles and be a system user. */
  principals: ReadonlySet<string>;
  /** As in Entra, a directory role (active or eligible) can be given to a group only when it was created role-assignable. */
  roleAssignableGroups: ReadonlySet<string>;
  groupIds: ReadonlySet<string>;
  userIds: ReadonlySet<string>;
}

function directoryOf(operator: Operator, applications: Application[], users: User[], groups: Group[]): Directory {
  return {
    principals: new Set([operator.objectId, ...applications.map((a) => a.objectId), ...users.map((u) => u.id)]),
    roleAssignableGroups: new Set(groups.filter((g) => g.isAssignableToRole).map((g) => g.id)),
    groupIds: new Set(groups.map((g) => g.id)),
    userIds: new Set(users.map((u) => u.id)),
  };
}

/** Object ids, client ids and user principal names each used once; group members in the seed. */
function checkDirectory(r: Reader, operator: Operator, applications: Application[], users: User[], groups: Group[], directory: Directory): void {
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
  checkUnique(r, "seed", users.map((u, i) => [`users[${i}].userPrincipalName`, u.userPrincipalName.toLowerCase()] as const));
  const directoryObjects = new Set([...directory.principals, ...directory.groupIds]);
  groups.forEach((g, i) =>
    g.members.forEach((m, j) => {
      if (m && !directoryObjects.has(m)) r.problem(`seed.groups[${i}].members[${j}]`, m, "the id of a user, application, the operator or another group in this seed");
    }),
  );
}

// ---- directory roles: active assignments and PIM eligibilities ----

const ROLE_PRINCIPAL = "the id of a user, application, the operator or a role-assignable group (isAssignableToRole: true) in this seed";

/** Who holds which role, as both kinds of role entry name them: a principal of this seed and a built-in role template. */
function readRoleHolder(r: Reader, p: string, o: Obj, directory: Directory, templateExpected: string): { principalId: string; roleDefinitionId: string } {
  const principalId = r.guid(`${p}.principalId`, o.principalId);
  const roleDefinitionId = r.guid(`${p}.roleDefinitionId`, o.roleDefinitionId);
  if (principalId && !directory.principals.has(principalId) && !directory.roleAssignableGroups.has(principalId)) r.problem(`${p}.principalId`, principalId, ROLE_PRINCIPAL);
  if (roleDefinitionId && !DIRECTORY_ROLE_IDS.has(roleDefinitionId)) r.problem(`${p}.roleDefinitionId`, roleDefinitionId, templateExpected);
  return { principalId, roleDefinitionId };
}

function readDirectoryRoleAssignments(r: Reader, value: unknown, directory: Directory): DirectoryRoleAssignment[] {
  const assignments = r.array("seed.directoryRoleAssignments", value).map((a, i) => readDirectoryRoleAssignment(r, `seed.directoryRoleAssignments[${i}]`, a, directory));
  checkUnique(r, "seed", assignments.map((a, i) => [`directoryRoleAssignments[${i}] (principalId, roleDefinitionId, directoryScopeId)`, `${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`] as const));
  checkUnique(r, "seed", assignments.map((a, i) => [`directoryRoleAssignments[${i}].id`, a.id] as const));
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

function readRoleEligibilitySchedules(r: Reader, value: unknown, directory: Directory): RoleEligibility[] {
  const schedules = r.array("seed.roleEligibilitySchedules", value).map((e, i) => readRoleEligibility(r, `seed.roleEligibilitySchedules[${i}]`, e, directory));
  checkUnique(r, "seed", schedules.map((e, i) => [`roleEligibilitySchedules[${i}] (principalId, roleDefinitionId, directoryScopeId)`, `${e.principalId}|${e.roleDefinitionId}|${e.directoryScopeId}`] as const));
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

// ---- Power Platform environments and their Dataverse system users ----

function readEnvironments(r: Reader, value: unknown, tenantId: string, directory: Directory): Environment[] {
  const environments = r.array("seed.environments", value).map((e, i) => readEnvironment(r, `seed.environments[${i}]`, e, tenantId, directory));
  checkUnique(r, "seed", environments.map((e, i) => [`environments[${i}].id`, e.id.toLowerCase()] as const));
  return environments;
}

function readEnvironment(r: Reader, p: string, value: unknown, tenantId: string, directory: Directory): Environment {
  const e = r.object(p, value, ["id", "displayName", "sku", "dataverse", "securityGroupId", ...ENVIRONMENT_KIND_FIELDS, "location", "azureRegion", "uniqueName", "version", "systemUsers"]) ?? {};
  // The tenant's default environment is the one id that is not a GUID.
  const id = typeof e.id === "string" && e.id === `Default-${tenantId}` ? e.id : r.guid(`${p}.id`, e.id);
  const sku: EnvironmentSku = r.oneOf(`${p}.sku`, e.sku, ENVIRONMENT_SKUS, id.startsWith("Default-") ? "Default" : "Production");
  const dataverse = r.boolean(`${p}.dataverse`, e.dataverse, true);
  const securityGroupId = r.optionalGuid(`${p}.securityGroupId`, e.securityGroupId);
  if (securityGroupId && !directory.groupIds.has(securityGroupId)) r.problem(`${p}.securityGroupId`, securityGroupId, "the id of a group in seed.groups");
  const systemUsers = readSystemUsers(r, p, e.systemUsers, id, dataverse, directory);
  return {
    id,
    displayName: r.string(`${p}.displayName`, e.displayName),
    sku,
    dataverse,
    ...(securityGroupId ? { securityGroupId } : {}),
    ...environmentKind(r, p, e, { sku, dataverse, securityGroupId, userIds: directory.userIds }),
    location: r.string(`${p}.location`, e.location, "europe"),
    azureRegion: r.string(`${p}.azureRegion`, e.azureRegion, "westeurope"),
    uniqueName: r.string(`${p}.uniqueName`, e.uniqueName, `unq${derivedGuid("unique-name", id).replace(/-/g, "").slice(0, 24)}`),
    version: r.string(`${p}.version`, e.version, "9.2.24101.00185"),
    systemUsers,
  };
}

/** An environment's system users: only with Dataverse, one per Entra object. */
function readSystemUsers(r: Reader, p: string, value: unknown, environmentId: string, dataverse: boolean, directory: Directory): SystemUser[] {
  const systemUsers = r.array(`${p}.systemUsers`, value).map((su, j) => readSystemUser(r, `${p}.systemUsers[${j}]`, su, environmentId, directory));
  if (!dataverse && systemUsers.length > 0) r.problem(`${p}.systemUsers`, `${systemUsers.length} entries`, "none: the environment has no Dataverse (dataverse: false)");
  checkUnique(r, p, systemUsers.map((s, j) => [`systemUsers[${j}].azureActiveDirectoryObjectId`, s.azureActiveDirectoryObjectId] as const));
  return systemUsers;
}

function readSystemUser(r: Reader, q: string, value: unknown, environmentId: string, directory: Directory): SystemUser {
  const s = r.object(q, value, ["azureActiveDirectoryObjectId", "systemUserId", "applicationId", "accessMode", "isDisabled", "roleTemplateIds", "roleNames", "childUnitRoleTemplateIds"]) ?? {};
  const oid = r.guid(`${q}.azureActiveDirectoryObjectId`, s.azureActiveDirectoryObjectId);
  if (oid && !directory.principals.has(oid)) r.problem(`${q}.azureActiveDirectoryObjectId`, oid, "the id of a user, application or the operator in this seed");
  const applicationId = r.optionalGuid(`${q}.applicationId`, s.applicationId);
  return {
    azureActiveDirectoryObjectId: oid,
    systemUserId: s.systemUserId === undefined ? derivedGuid("systemuser", environmentId, oid) : r.guid(`${q}.systemUserId`, s.systemUserId),
    ...(applicationId ? { applicationId } : {}),
    accessMode: r.number(`${q}.accessMode`, s.accessMode, applicationId ? 4 : 0, { min: 0, max: 5, integer: true }),
    isDisabled: r.boolean(`${q}.isDisabled`, s.isDisabled, false),
    roleTemplateIds: standardRoleTemplateIds(r, `${q}.roleTemplateIds`, s.roleTemplateIds),
    roleNames: r.array(`${q}.roleNames`, s.roleNames).map((n, k) => standardRoleName(r, `${q}.roleNames[${k}]`, n)),
    ...(s.childUnitRoleTemplateIds === undefined ? {} : { childUnitRoleTemplateIds: standardRoleTemplateIds(r, `${q}.childUnitRoleTemplateIds`, s.childUnitRoleTemplateIds) }),
  };
}

/** Security roles named by template id: each the template of a standard Dataverse role. */
function standardRoleTemplateIds(r: Reader, path: string, value: unknown): string[] {
  return r.array(path, value).map((t, k) => {
    const tid = r.guid(`${path}[${k}]`, t);
    if (tid && !TEMPLATE_IDS.has(tid)) r.problem(`${path}[${k}]`, tid, `the template id of a standard role (${[...TEMPLATE_IDS].join(", ")})`);
    return tid;
  });
}

function standardRoleName(r: Reader, path: string, value: unknown): string {
  const name = r.string(path, value);
  if (name && !ROLE_NAMES.has(name)) r.problem(path, name, "the name of a standard Dataverse role (see emulator/data/dataverse-standard-roles.json)");
  return name;
}

// ---- the kind and state of an environment (sku, runtime, provisioning, ownership, lifetime) ----

const ENVIRONMENT_KIND_FIELDS = [
  "adminMode",
  "runtimeState",
  "provisioningState",
  "managementState",
  "instanceState",
  "managed",
  "owner",
  "deleteAfterRequests",
  "createAfterRequests",
  "callerProvisionedAfterRequests",
  "licensePropagationDelayMs",
] as const;

type EnvironmentKind = Pick<Environment, "runtimeState" | "provisioningState" | "managementState" | "instanceState" | "managed" | "owner" | "deleteAfterRequests" | "createAfterRequests" | "callerProvisionedAfterRequests" | "licensePropagationDelayMs">;

interface KindContext {
  sku: EnvironmentSku;
  dataverse: boolean;
  securityGroupId: string | undefined;
  userIds: ReadonlySet<string>;
}

/** The environment's kind and state fields, defaults filled in; each rule is a small check of its own. */
function environmentKind(r: Reader, p: string, e: Obj, c: KindContext): EnvironmentKind {
  const kind: EnvironmentKind = {
    runtimeState: runtimeState(r, p, e),
    provisioningState: r.oneOf(`${p}.provisioningState`, e.provisioningState, PROVISIONING_STATES, "Succeeded"),
    managementState: r.oneOf(`${p}.managementState`, e.managementState, MANAGEMENT_STATES, "Ready"),
    instanceState: r.oneOf(`${p}.instanceState`, e.instanceState, INSTANCE_STATES, "Ready"),
    managed: r.boolean(`${p}.managed`, e.managed, false),
    ...(e.owner === undefined ? {} : { owner: r.guid(`${p}.owner`, e.owner) }),
    deleteAfterRequests: requestCount(r, `${p}.deleteAfterRequests`, e.deleteAfterRequests),
    createAfterRequests: requestCount(r, `${p}.createAfterRequests`, e.createAfterRequests),
    callerProvisionedAfterRequests: r.number(`${p}.callerProvisionedAfterRequests`, e.callerProvisionedAfterRequests, 0, { min: 0, integer: true }),
    licensePropagationDelayMs: e.licensePropagationDelayMs === undefined || e.licensePropagationDelayMs === null ? null : r.number(`${p}.licensePropagationDelayMs`, e.licensePropagationDelayMs, undefined, { min: 0 }),
  };
  checkLifetime(r, p, kind);
  checkAdminModeSku(r, p, kind, c);
  checkOwner(r, p, kind, c);
  checkSecurityGroupAllowed(r, p, c);
  checkDataverseOnlyFields(r, p, e, c);
  return kind;
}

/** A number of requests answered by the emulator (1 or more), or null: never. */
function requestCount(r: Reader, path: string, value: unknown): number | null {
  return value === undefined || value === null ? null : r.number(path, value, undefined, { min: 1, integer: true });
}

/** An environment created after N requests can be deleted only after it exists. */
function checkLifetime(r: Reader, p: string, kind: EnvironmentKind): void {
  if (kind.createAfterRequests !== null && kind.deleteAfterRequests !== null && kind.deleteAfterRequests <= kind.createAfterRequests) {
    r.problem(`${p}.deleteAfterRequests`, kind.deleteAfterRequests, `a number of requests greater than createAfterRequests (${kind.createAfterRequests}): the environment is deleted after it is created`);
  }
}

/** runtimeState, or the older adminMode flag; both given must agree. */
function runtimeState(r: Reader, p: string, e: Obj): RuntimeState {
  const legacy = r.boolean(`${p}.adminMode`, e.adminMode, false);
  if (e.runtimeState === undefined) return legacy ? "AdminMode" : "Enabled";
  const state = r.oneOf(`${p}.runtimeState`, e.runtimeState, RUNTIME_STATES);
  if (e.adminMode !== undefined && legacy !== (state === "AdminMode")) {
    r.problem(`${p}.adminMode`, e.adminMode, `no adminMode, or one that agrees with runtimeState "${state}" (adminMode is the older spelling of runtimeState: remove it)`);
  }
  return state;
}

/** Administration mode exists for Sandbox and Production environments only. */
function checkAdminModeSku(r: Reader, p: string, kind: EnvironmentKind, c: KindContext): void {
  if (kind.runtimeState === "AdminMode" && c.sku !== "Sandbox" && c.sku !== "Production") {
    r.problem(`${p}.runtimeState`, "AdminMode", `Enabled or Disabled: administration mode exists for Sandbox and Production environments only, and this one is ${c.sku}`);
  }
}

/** Only a Developer environment has an owner, and the owner is a user of this seed. */
function checkOwner(r: Reader, p: string, kind: EnvironmentKind, c: KindContext): void {
  if (!kind.owner) return;
  if (c.sku !== "Developer") r.problem(`${p}.owner`, kind.owner, `no owner: only a Developer environment has one, and this one is ${c.sku}`);
  else if (!c.userIds.has(kind.owner)) r.problem(`${p}.owner`, kind.owner, "the id of a user in seed.users");
}

/** Default and Developer environments cannot be restricted by a security group; a Teams environment with Dataverse is bound to its team's group. */
function checkSecurityGroupAllowed(r: Reader, p: string, c: KindContext): void {
  if (c.securityGroupId && (c.sku === "Default" || c.sku === "Developer")) {
    r.problem(`${p}.securityGroupId`, c.securityGroupId, `no security group: a ${c.sku} environment cannot be restricted by one`);
  }
  if (c.sku === "Teams" && c.dataverse && !c.securityGroupId) {
    r.problem(`${p}.securityGroupId`, undefined, "the id of the team's Microsoft 365 group (a group in seed.groups): a Teams environment with Dataverse is bound to it");
  }
}

/** Fields about the Dataverse organisation mean nothing without one. */
function checkDataverseOnlyFields(r: Reader, p: string, e: Obj, c: KindContext): void {
  if (c.dataverse) return;
  // the defaults (which GET /_emulator/state shows, and mutate() reads back) are no problem
  const defaults = { instanceState: "Ready", callerProvisionedAfterRequests: 0, licensePropagationDelayMs: null };
  for (const [field, fallback] of Object.entries(defaults)) {
    if (e[field] !== undefined && e[field] !== fallback) r.problem(`${p}.${field}`, e[field], "nothing: the environment has no Dataverse (dataverse: false)");
  }
  if (e.provisioningState === "LinkedDatabaseProvisioning") r.problem(`${p}.provisioningState`, e.provisioningState, "dataverse: true as well: LinkedDatabaseProvisioning means a Dataverse database is being added");
}

/** An ISO 8601 date and time, normalised; null when absent or null. */
function optionalDateTime(r: Reader, where: string, raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string" || Number.isNaN(Date.parse(raw))) {
    r.problem(where, raw, "an ISO 8601 date and time such as 2026-11-30T12:00:00Z, or null");
    return null;
  }
  return new Date(raw).toISOString();
}

function checkUnique(r: Reader, prefix: string, entries: ReadonlyArray<readonly [string, string]>): void {
  const seen = new Map<string, string>();
  for (const [where, key] of entries) {
    if (!key) continue;
    const first = seen.get(key);
    if (first) r.problem(`${prefix}.${where}`, key, `a value not already used by ${prefix}.${first}`);
    else seen.set(key, where);
  }
}

function readRequestLimit(r: Reader, path: string, value: unknown): RequestLimitSeed | undefined {
  const o = r.object(path, value, ["requests", "windowSeconds"]);
  if (!o) return undefined;
  return {
    requests: r.number(`${path}.requests`, o.requests, undefined, { min: 1, integer: true }),
    windowSeconds: r.number(`${path}.windowSeconds`, o.windowSeconds, undefined, { min: 0.001 }),
  };
}

function readLatency(r: Reader, path: string, value: unknown): LatencySeed {
  if (value === undefined) return 0;
  if (typeof value === "number") return r.number(path, value, 0, { min: 0 });
  const kind = typeof value === "object" && value !== null ? (value as Obj).distribution : undefined;
  switch (kind) {
    case "uniform": {
      const o = r.object(path, value, ["distribution", "minMs", "maxMs"]) ?? {};
      const minMs = r.number(`${path}.minMs`, o.minMs, undefined, { min: 0 });
      const maxMs = r.number(`${path}.maxMs`, o.maxMs, undefined, { min: 0 });
      if (maxMs < minMs) r.problem(`${path}.maxMs`, maxMs, `a number >= minMs (${minMs})`);
      return { distribution: "uniform", minMs, maxMs };
    }
    case "normal": {
      const o = r.object(path, value, ["distribution", "meanMs", "stdDevMs"]) ?? {};
      return { distribution: "normal", meanMs: r.number(`${path}.meanMs`, o.meanMs, undefined, { min: 0 }), stdDevMs: r.number(`${path}.stdDevMs`, o.stdDevMs, undefined, { min: 0 }) };
    }
    case "lognormal": {
      const o = r.object(path, value, ["distribution", "medianMs", "sigma"]) ?? {};
      return { distribution: "lognormal", medianMs: r.number(`${path}.medianMs`, o.medianMs, undefined, { min: 0 }), sigma: r.number(`${path}.sigma`, o.sigma, undefined, { min: 0 }) };
    }
    default:
      r.problem(path, value, 'milliseconds, or {"distribution":"uniform","minMs","maxMs"}, {"distribution":"normal","meanMs","stdDevMs"} or {"distribution":"lognormal","medianMs","sigma"}');
      return 0;
  }
}

function readBehaviour(r: Reader, value: unknown): Behaviour {
  if (value === undefined) return { ...DEFAULT_BEHAVIOUR };
  const p = "seed.behaviour";
  const b = r.object(p, value, [...Object.keys(DEFAULT_BEHAVIOUR), "randomSeed"]) ?? {};
  const d = DEFAULT_BEHAVIOUR;
  const limitOrNull = (key: "graphRequestLimit" | "bapRequestLimit") => (b[key] === undefined || b[key] === null ? null : readRequestLimit(r, `${p}.${key}`, b[key]) ?? null);
  return {
    userSyncDelayMs: r.number(`${p}.userSyncDelayMs`, b.userSyncDelayMs, d.userSyncDelayMs, { min: 0 }),
    licensePropagationDelayMs: r.number(`${p}.licensePropagationDelayMs`, b.licensePropagationDelayMs, d.licensePropagationDelayMs, { min: 0 }),
    bapPageSize: r.number(`${p}.bapPageSize`, b.bapPageSize, d.bapPageSize, { min: 1, integer: true }),
    graphPageSize: r.number(`${p}.graphPageSize`, b.graphPageSize, d.graphPageSize, { min: 1, max: 999, integer: true }),
    dataverseConcurrencyLimit: r.number(`${p}.dataverseConcurrencyLimit`, b.dataverseConcurrencyLimit, d.dataverseConcurrencyLimit, { min: 1, integer: true }),
    dataverseConcurrencyRetryAfterSeconds: r.number(`${p}.dataverseConcurrencyRetryAfterSeconds`, b.dataverseConcurrencyRetryAfterSeconds, d.dataverseConcurrencyRetryAfterSeconds, { min: 0, integer: true }),
    dataverseRequestLimit: b.dataverseRequestLimit === undefined ? { ...d.dataverseRequestLimit } : readRequestLimit(r, `${p}.dataverseRequestLimit`, b.dataverseRequestLimit) ?? d.dataverseRequestLimit,
    graphRequestLimit: limitOrNull("graphRequestLimit"),
    bapRequestLimit: limitOrNull("bapRequestLimit"),
    tokenLifetimeSeconds: r.number(`${p}.tokenLifetimeSeconds`, b.tokenLifetimeSeconds, d.tokenLifetimeSeconds, { min: 1, integer: true }),
    latencyMs: readLatency(r, `${p}.latencyMs`, b.latencyMs),
    ...(b.randomSeed !== undefined ? { randomSeed: r.number(`${p}.randomSeed`, b.randomSeed, 0, { integer: true }) } : {}),
  };
}

/** Validates one fault (from the seed or from POST /_emulator/faults). */
function readFault(r: Reader, path: string, value: unknown): FaultSeed {
  const f = r.object(path, value, ["route", "method", "service", "status", "count", "probability", "retryAfterSeconds", "delayMs", "drop", "code", "message"]) ?? {};
  const route = r.string(`${path}.route`, f.route);
  if (route) {
    try {
      new RegExp(route);
    } catch (err) {
      r.problem(`${path}.route`, route, `a valid regular expression (${(err as Error).message})`);
    }
  }
  const fault: FaultSeed = { route };
  if (f.method !== undefined) fault.method = r.string(`${path}.method`, f.method).toUpperCase();
  if (f.service !== undefined) fault.service = r.oneOf<ServiceName>(`${path}.service`, f.service, SERVICE_NAMES);
  if (f.status !== undefined) fault.status = r.number(`${path}.status`, f.status, undefined, { min: 100, max: 599, integer: true });
  if (f.count !== undefined) fault.count = r.number(`${path}.count`, f.count, undefined, { min: 1, integer: true });
  if (f.probability !== undefined) fault.probability = r.number(`${path}.probability`, f.probability, undefined, { min: 0, max: 1 });
  if (f.retryAfterSeconds !== undefined) fault.retryAfterSeconds = r.number(`${path}.retryAfterSeconds`, f.retryAfterSeconds, undefined, { min: 0, integer: true });
  if (f.delayMs !== undefined) fault.delayMs = r.number(`${path}.delayMs`, f.delayMs, undefined, { min: 0 });
  if (f.drop !== undefined) fault.drop = r.boolean(`${path}.drop`, f.drop, false);
  if (f.code !== undefined) fault.code = r.string(`${path}.code`, f.code);
  if (f.message !== undefined) fault.message = r.string(`${path}.message`, f.message);
  if (fault.status === undefined && fault.delayMs === undefined && !fault.drop) {
    r.problem(path, value, "at least one effect: status, delayMs or drop: true");
  }
  if (fault.drop && fault.status !== undefined) r.problem(`${path}.status`, fault.status, "no status when drop is true (a dropped connection has no answer)");
  return fault;
}

/** Validates a fault added at run time; throws SeedError naming the problems. */
export function validateFault(value: unknown): FaultSeed {
  const r = new Reader();
  const fault = readFault(r, "fault", value);
  if (r.problems.length > 0) throw new SeedError(r.problems);
  return fault;
}
