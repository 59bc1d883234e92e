// The seed's Power Platform environments: their kind and state (sku, runtime,
// provisioning, ownership, lifetime) and their Dataverse system users.
import { derivedGuid } from "../ids";
import { STANDARD_ROLES } from "../data/standard-roles";
import type { Directory } from "./directory";
import { checkUniqueIn, Obj, Reader } from "./reader";
import {
    ENVIRONMENT_SKUS,
    INSTANCE_STATES,
    MANAGEMENT_STATES,
    PROVISIONING_STATES,
    RUNTIME_STATES,
    Environment,
    EnvironmentSku,
    RuntimeState,
    SystemUser,
} from "./types";

const TEMPLATE_IDS = new Set(STANDARD_ROLES.filter((r) => r.roleTemplateId).map((r) => r.roleTemplateId as string));
const ROLE_NAMES = new Set(STANDARD_ROLES.map((r) => r.name));

export function readEnvironments(r: Reader, value: unknown, tenantId: string, directory: Directory): Environment[] {
    const environments = r.each("seed.environments", value, (q, e) => readEnvironment(r, q, e, tenantId, directory));
    checkUniqueIn(r, "seed", "environments", environments, ".id", (e) => e.id.toLowerCase());
    return environments;
}

function readEnvironment(r: Reader, p: string, value: unknown, tenantId: string, directory: Directory): Environment {
    const e = r.object(p, value, ENVIRONMENT_FIELDS) ?? {};
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
    const systemUsers = r.each(`${p}.systemUsers`, value, (q, su) => readSystemUser(r, q, su, environmentId, directory));
    if (!dataverse && systemUsers.length > 0)
        r.problem(`${p}.systemUsers`, `${systemUsers.length} entries`, "none: the environment has no Dataverse (dataverse: false)");
    checkUniqueIn(r, p, "systemUsers", systemUsers, ".azureActiveDirectoryObjectId", (s) => s.azureActiveDirectoryObjectId);
    return systemUsers;
}

function readSystemUser(r: Reader, q: string, value: unknown, environmentId: string, directory: Directory): SystemUser {
    const s = r.object(q, value, SYSTEM_USER_FIELDS) ?? {};
    const oid = r.guid(`${q}.azureActiveDirectoryObjectId`, s.azureActiveDirectoryObjectId);
    if (oid && !directory.principals.has(oid))
        r.problem(`${q}.azureActiveDirectoryObjectId`, oid, "the id of a user, application or the operator in this seed");
    const applicationId = r.optionalGuid(`${q}.applicationId`, s.applicationId);
    return {
        azureActiveDirectoryObjectId: oid,
        systemUserId: s.systemUserId === undefined ? derivedGuid("systemuser", environmentId, oid) : r.guid(`${q}.systemUserId`, s.systemUserId),
        ...(applicationId ? { applicationId } : {}),
        accessMode: r.number(`${q}.accessMode`, s.accessMode, applicationId ? 4 : 0, { min: 0, max: 5, integer: true }),
        isDisabled: r.boolean(`${q}.isDisabled`, s.isDisabled, false),
        roleTemplateIds: standardRoleTemplateIds(r, `${q}.roleTemplateIds`, s.roleTemplateIds),
        roleNames: r.each(`${q}.roleNames`, s.roleNames, (where, n) => standardRoleName(r, where, n)),
        ...(s.childUnitRoleTemplateIds === undefined
            ? {}
            : { childUnitRoleTemplateIds: standardRoleTemplateIds(r, `${q}.childUnitRoleTemplateIds`, s.childUnitRoleTemplateIds) }),
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

/** What an environment and one of its Dataverse users may say (after the kind fields: they are part of it). */
const ENVIRONMENT_FIELDS = [
    "id",
    "displayName",
    "sku",
    "dataverse",
    "securityGroupId",
    ...ENVIRONMENT_KIND_FIELDS,
    "location",
    "azureRegion",
    "uniqueName",
    "version",
    "systemUsers",
];
const SYSTEM_USER_FIELDS = [
    "azureActiveDirectoryObjectId",
    "systemUserId",
    "applicationId",
    "accessMode",
    "isDisabled",
    "roleTemplateIds",
    "roleNames",
    "childUnitRoleTemplateIds",
];

type EnvironmentKind = Pick<
    Environment,
    | "runtimeState"
    | "provisioningState"
    | "managementState"
    | "instanceState"
    | "managed"
    | "owner"
    | "deleteAfterRequests"
    | "createAfterRequests"
    | "callerProvisionedAfterRequests"
    | "licensePropagationDelayMs"
>;

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
        licensePropagationDelayMs:
            e.licensePropagationDelayMs === undefined || e.licensePropagationDelayMs === null
                ? null
                : r.number(`${p}.licensePropagationDelayMs`, e.licensePropagationDelayMs, undefined, { min: 0 }),
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
        r.problem(
            `${p}.deleteAfterRequests`,
            kind.deleteAfterRequests,
            `a number of requests greater than createAfterRequests (${kind.createAfterRequests}): the environment is deleted after it is created`,
        );
    }
}

/** runtimeState, or the older adminMode flag; both given must agree. */
function runtimeState(r: Reader, p: string, e: Obj): RuntimeState {
    const legacy = r.boolean(`${p}.adminMode`, e.adminMode, false);
    if (e.runtimeState === undefined) return legacy ? "AdminMode" : "Enabled";
    const state = r.oneOf(`${p}.runtimeState`, e.runtimeState, RUNTIME_STATES);
    if (e.adminMode !== undefined && legacy !== (state === "AdminMode")) {
        r.problem(
            `${p}.adminMode`,
            e.adminMode,
            `no adminMode, or one that agrees with runtimeState "${state}" (adminMode is the older spelling of runtimeState: remove it)`,
        );
    }
    return state;
}

/** Administration mode exists for Sandbox and Production environments only. */
function checkAdminModeSku(r: Reader, p: string, kind: EnvironmentKind, c: KindContext): void {
    if (kind.runtimeState === "AdminMode" && c.sku !== "Sandbox" && c.sku !== "Production") {
        r.problem(
            `${p}.runtimeState`,
            "AdminMode",
            `Enabled or Disabled: administration mode exists for Sandbox and Production environments only, and this one is ${c.sku}`,
        );
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
        r.problem(
            `${p}.securityGroupId`,
            undefined,
            "the id of the team's Microsoft 365 group (a group in seed.groups): a Teams environment with Dataverse is bound to it",
        );
    }
}

/** Fields about the Dataverse organisation mean nothing without one. */
function checkDataverseOnlyFields(r: Reader, p: string, e: Obj, c: KindContext): void {
    if (c.dataverse) return;
    // the defaults (which GET /_emulator/state shows, and mutate() reads back) are no problem
    const defaults = { instanceState: "Ready", callerProvisionedAfterRequests: 0, licensePropagationDelayMs: null };
    for (const [field, fallback] of Object.entries(defaults)) {
        if (e[field] !== undefined && e[field] !== fallback)
            r.problem(`${p}.${field}`, e[field], "nothing: the environment has no Dataverse (dataverse: false)");
    }
    if (e.provisioningState === "LinkedDatabaseProvisioning")
        r.problem(
            `${p}.provisioningState`,
            e.provisioningState,
            "dataverse: true as well: LinkedDatabaseProvisioning means a Dataverse database is being added",
        );
}
