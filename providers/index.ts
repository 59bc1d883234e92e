// The Power Platform clients and dynamic providers, as the program uses them.
//
//   const ctx = await clientContextFromConfig(pulumi.runtime.allConfig(), process.env, { log });
//   const environments = await listEnvironments(ctx);             // every page
//   const { licensedSkus } = summarizeDynamicsLicenses(await getLicenseDetails(ctx, accountObjectId));
//   const roles = await listDirectoryRoleAssignments(ctx, accountObjectId);   // to adopt, not create twice
//   const user = new EnvironmentUser(name, { environmentId, userObjectId });
//   new SecurityRoleAssignment(name, { environmentId, userObjectId }, { dependsOn: user });
//   new TimeBoundRoleAssignment(name, { roleId, principalObjectId, elevationHours: 2, justification });

export { CLOUD_NAMES, CLOUDS } from "./clouds";
export type { CloudEndpoints, CloudName } from "./clouds";
export { checkOperatorSignIn, clientContextFromConfig, createClientContext, customEndpointsNotice } from "./context";
export type { ClientContext, ClientContextOptions, ResolvedEndpoints } from "./context";
export { CONFIG_KEYS, describeCredential, NAMESPACE, readClientSettings, readOnlySettings, resolveClientSettings } from "./settings";
export type { ClientSettings, ConfigSource, CredentialSettings, EnvironmentVariables } from "./settings";
export { isAccessError } from "./errors";
export { operatorObjectId } from "./operator";
export type { AccessError, AccessErrorKind } from "./errors";
export { findEnvironment, getEnvironment, listEnvironments, readEnvironment } from "./bap";
export type { DataverseInfo, EnvironmentInfo } from "./bap";
export { servedNote, SKIP_REASON_CODES, unservableCondition } from "./environment-kinds";
export type { EnvironmentCondition, SkipReasonCode } from "./environment-kinds";
export { DYNAMICS_SKUS, getLicenseDetails, hasDynamicsLicense, isGroupMember, listDirectoryRoleAssignments, summarizeDynamicsLicenses } from "./graph";
export type { DirectoryRoleAssignmentInfo, DynamicsLicenseSummary, LicenseDetail } from "./graph";
export { ACCESS_MODES } from "./dataverse";
export type { AccessModeName } from "./dataverse";
export {
    DEFAULT_ACCESS_MODE,
    ENVIRONMENT_USER_MODULE,
    ENVIRONMENT_USER_TYPE,
    EnvironmentUser,
    environmentUserProvider,
} from "./environment-user";
export type { EnvironmentUserArgs, EnvironmentUserOutputs } from "./environment-user";
export {
    SECURITY_ROLE_ASSIGNMENT_MODULE,
    SECURITY_ROLE_ASSIGNMENT_TYPE,
    SecurityRoleAssignment,
    securityRoleAssignmentProvider,
    SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
} from "./security-role-assignment";
export type { SecurityRoleAssignmentArgs, SecurityRoleAssignmentOutputs } from "./security-role-assignment";
export {
    MAX_ELEVATION_HOURS,
    MAX_JUSTIFICATION_LENGTH,
    MIN_ELEVATION_HOURS,
    TIME_BOUND_ROLE_ASSIGNMENT_MODULE,
    TIME_BOUND_ROLE_ASSIGNMENT_TYPE,
    TimeBoundRoleAssignment,
    timeBoundRoleAssignmentProvider,
} from "./time-bound-role-assignment";
export type { ElevationStatus, TimeBoundRoleAssignmentArgs, TimeBoundRoleAssignmentOutputs } from "./time-bound-role-assignment";
export { findActiveRoleSchedule, isPimLicenceError, listActiveRoleSchedules, PIM_LICENCE_FIX, PIM_PERMISSION } from "./pim";
export type { ActiveRoleSchedule } from "./pim";
