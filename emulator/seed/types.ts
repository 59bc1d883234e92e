// The seed schema: what a tenant looks like when the emulator starts, and what
// GET /_emulator/state returns while it runs. Optional fields get the defaults listed
// in emulator/README.md; validateSeed() fills them in (see TenantState).

export type EnvironmentSku = "Production" | "Sandbox" | "Trial" | "Developer" | "Default" | "Teams";
export const ENVIRONMENT_SKUS: readonly EnvironmentSku[] = ["Production", "Sandbox", "Trial", "Developer", "Default", "Teams"];

/** BAP properties.states.runtime.id. Administration mode exists for Sandbox and Production only. */
export type RuntimeState = "Enabled" | "AdminMode" | "Disabled";
export const RUNTIME_STATES: readonly RuntimeState[] = ["Enabled", "AdminMode", "Disabled"];
/** BAP properties.provisioningState: Succeeded, or a state while the environment or its Dataverse database is being made. */
export type ProvisioningState = "Succeeded" | "Provisioning" | "LinkedDatabaseProvisioning" | "Failed";
export const PROVISIONING_STATES: readonly ProvisioningState[] = ["Succeeded", "Provisioning", "LinkedDatabaseProvisioning", "Failed"];
/** BAP properties.states.management.id: Ready (or NotSpecified, as recorded); Running while an operation runs on the environment. */
export type ManagementState = "Ready" | "NotSpecified" | "Running";
export const MANAGEMENT_STATES: readonly ManagementState[] = ["Ready", "NotSpecified", "Running"];
/** BAP linkedEnvironmentMetadata.instanceState: Ready; NotReady stands for any other state of the Dataverse instance. */
export type InstanceState = "Ready" | "NotReady";
export const INSTANCE_STATES: readonly InstanceState[] = ["Ready", "NotReady"];

export type ServiceName = "login" | "graph" | "bap" | "dataverse";
export const SERVICE_NAMES: readonly ServiceName[] = ["login", "graph", "bap", "dataverse"];

export interface OperatorSeed {
    /** Application (client) id of the app registration our clients sign in with. */
    clientId: string;
    clientSecret: string;
    /** Object id of its service principal (the token's oid). */
    objectId: string;
    displayName?: string;
    /** Registered as a Power Platform admin management application (else BAP answers 403). */
    registeredAdminApplication?: boolean;
    /** Microsoft Graph application permissions granted with admin consent (the `roles` claim of its Graph tokens). */
    graphPermissions?: string[];
}

/** Further service principals that may sign in or be added as application users. */
export interface ApplicationSeed {
    clientId: string;
    clientSecret?: string;
    objectId: string;
    displayName?: string;
    registeredAdminApplication?: boolean;
    graphPermissions?: string[];
}

export interface UserSeed {
    id: string;
    userPrincipalName: string;
    displayName?: string;
    accountEnabled?: boolean;
    /** SKU part numbers, e.g. DYN365_ENTERPRISE_PLAN1. */
    licenses?: string[];
    /** Set: the user can sign in with it (resource owner password grant, as a public client
     *  such as the Azure CLI does), so an operator can be a user. Empty: no sign-in. */
    password?: string;
}

export interface DirectoryRoleAssignmentSeed {
    id?: string;
    principalId: string;
    /** Template id of a built-in role. */
    roleDefinitionId: string;
    directoryScopeId?: string;
    /** Set for a time-bound active assignment (Entra PIM): when it began (ISO 8601). */
    startDateTime?: string | null;
    /** Set for a time-bound active assignment: when it ends by itself (ISO 8601); null = permanent. */
    endDateTime?: string | null;
}

export interface GroupSeed {
    id: string;
    displayName: string;
    members?: string[];
    /** A role-assignable group (created with isAssignableToRole): only such a group can hold a directory role. Default false. */
    isAssignableToRole?: boolean;
}

/** An eligible directory role assignment (Entra PIM): the principal may activate the role, it does not hold it. */
export interface RoleEligibilitySeed {
    id?: string;
    /** A user, or a role-assignable group. */
    principalId: string;
    /** Template id of a built-in role. */
    roleDefinitionId: string;
    directoryScopeId?: string;
    /** ISO 8601; default: null (PIM then reports no start). */
    startDateTime?: string | null;
    /** ISO 8601; null = permanently eligible (the default). Past its end on the tenant's clock it is gone. */
    endDateTime?: string | null;
}

export interface SystemUserSeed {
    azureActiveDirectoryObjectId: string;
    systemUserId?: string;
    /** Set for application users (service principals). */
    applicationId?: string;
    /** 0 Read-Write, 1 Administrative, 2 Read, 3 Support User, 4 Non-interactive, 5 Delegated Admin. */
    accessMode?: number;
    isDisabled?: boolean;
    roleTemplateIds?: string[];
    /** Roles without a template id (most of the standard set), by name. */
    roleNames?: string[];
    /** Roles held through their copy in a child business unit (a role id of its own), by template id. */
    childUnitRoleTemplateIds?: string[];
}

export interface EnvironmentSeed {
    id: string;
    displayName: string;
    sku?: EnvironmentSku;
    dataverse?: boolean;
    securityGroupId?: string;
    /** Older spelling of runtimeState "AdminMode" (true) / "Enabled" (false); kept for existing seeds. */
    adminMode?: boolean;
    runtimeState?: RuntimeState;
    provisioningState?: ProvisioningState;
    managementState?: ManagementState;
    instanceState?: InstanceState;
    /** A managed environment (governanceConfiguration.protectionLevel "Standard"). */
    managed?: boolean;
    /** Object id of the user a Developer environment belongs to. */
    owner?: string;
    /** The environment is deleted once the emulator has answered this many requests (any origin); null: never. */
    deleteAfterRequests?: number | null;
    /** The environment does not exist until the emulator has answered this many requests (one created between two updates); null: from the start. */
    createAfterRequests?: number | null;
    /** A freshly provisioned organisation: each caller's first N Web API requests are refused (403) until it is provisioned there. */
    callerProvisionedAfterRequests?: number;
    /** How long a newly assigned licence takes to reach this environment; null: behaviour.licensePropagationDelayMs. */
    licensePropagationDelayMs?: number | null;
    location?: string;
    azureRegion?: string;
    uniqueName?: string;
    version?: string;
    systemUsers?: SystemUserSeed[];
}

export type LatencySeed =
    | number
    | { distribution: "uniform"; minMs: number; maxMs: number }
    | { distribution: "normal"; meanMs: number; stdDevMs: number }
    | { distribution: "lognormal"; medianMs: number; sigma: number };

export interface RequestLimitSeed {
    requests: number;
    windowSeconds: number;
}

export interface BehaviourSeed {
    userSyncDelayMs?: number;
    licensePropagationDelayMs?: number;
    bapPageSize?: number;
    graphPageSize?: number;
    dataverseConcurrencyLimit?: number;
    dataverseConcurrencyRetryAfterSeconds?: number;
    dataverseRequestLimit?: RequestLimitSeed;
    graphRequestLimit?: RequestLimitSeed | null;
    bapRequestLimit?: RequestLimitSeed | null;
    tokenLifetimeSeconds?: number;
    latencyMs?: LatencySeed;
    /** Seeds the generator behind latency distributions and fault probabilities. */
    randomSeed?: number;
}

export interface FaultSeed {
    /** Regular expression matched against the request path and query. */
    route: string;
    method?: string;
    service?: ServiceName;
    status?: number;
    /** How many requests it applies to; absent = every matching request. */
    count?: number;
    probability?: number;
    retryAfterSeconds?: number;
    delayMs?: number;
    /** Destroy the connection without an answer. */
    drop?: boolean;
    code?: string;
    message?: string;
}

export interface Seed {
    tenantId: string;
    /** Microsoft Entra ID P2 (or ID Governance), which PIM needs; default true. */
    entraIdP2?: boolean;
    operator: OperatorSeed;
    applications?: ApplicationSeed[];
    users?: UserSeed[];
    directoryRoleAssignments?: DirectoryRoleAssignmentSeed[];
    /** Eligible (not active) role assignments in Entra PIM; needs entraIdP2. */
    roleEligibilitySchedules?: RoleEligibilitySeed[];
    groups?: GroupSeed[];
    environments?: EnvironmentSeed[];
    behaviour?: BehaviourSeed;
    faults?: FaultSeed[];
}

// ---- the same, with every default filled in: the live tenant the services work on ----

export type Operator = Required<Omit<OperatorSeed, "displayName">> & { displayName: string };
export type Application = Required<Omit<ApplicationSeed, "clientSecret">> & { clientSecret?: string };
/** A password, when set, is for signing in only: never part of what Graph returns. */
export type User = Required<Omit<UserSeed, "password">> & { password?: string };
export type DirectoryRoleAssignment = Required<DirectoryRoleAssignmentSeed>;
export type Group = Required<GroupSeed>;
export type RoleEligibility = Required<RoleEligibilitySeed>;
export type SystemUser = Required<Omit<SystemUserSeed, "applicationId" | "childUnitRoleTemplateIds">> & {
    applicationId?: string;
    childUnitRoleTemplateIds?: string[];
};
export type Environment = Required<
    Omit<
        EnvironmentSeed,
        "securityGroupId" | "systemUsers" | "adminMode" | "owner" | "deleteAfterRequests" | "createAfterRequests" | "licensePropagationDelayMs"
    >
> & {
    securityGroupId?: string;
    owner?: string;
    deleteAfterRequests: number | null;
    createAfterRequests: number | null;
    licensePropagationDelayMs: number | null;
    systemUsers: SystemUser[];
};
export type Behaviour = Required<Omit<BehaviourSeed, "randomSeed" | "graphRequestLimit" | "bapRequestLimit">> & {
    randomSeed?: number;
    graphRequestLimit: RequestLimitSeed | null;
    bapRequestLimit: RequestLimitSeed | null;
};

export interface TenantState {
    tenantId: string;
    entraIdP2: boolean;
    operator: Operator;
    applications: Application[];
    users: User[];
    directoryRoleAssignments: DirectoryRoleAssignment[];
    roleEligibilitySchedules: RoleEligibility[];
    groups: Group[];
    environments: Environment[];
    behaviour: Behaviour;
    faults: FaultSeed[];
}
