// The Power Platform clients and dynamic providers, as the program uses them.
//
//   const ctx = await clientContextFromConfig(pulumi.runtime.allConfig(), process.env, { log });
//   const environments = await listEnvironments(ctx);             // every page
//   const { licensedSkus } = summarizeDynamicsLicenses(await getLicenseDetails(ctx, accountObjectId));
//   const roles = await listDirectoryRoleAssignments(ctx, accountObjectId);   // to adopt, not create twice
//   const user = new EnvironmentUser(name, { environmentId, userObjectId });
//   new SecurityRoleAssignment(name, { environmentId, userObjectId }, { dependsOn: user });
//   new TimeBoundRoleAssignment(name, { roleId, principalObjectId, elevationHours: 2, justification });

export { CLOUD_NAMES, CLOUDS } from "./transport/clouds";
export type { CloudEndpoints, CloudName } from "./transport/clouds";
export { checkOperatorSignIn, clientContextFromConfig, createClientContext, customEndpointsNotice } from "./transport/context";
export type { ClientContext, ClientContextOptions, ResolvedEndpoints } from "./transport/context";
export { CONFIG_KEYS, describeCredential, NAMESPACE, readClientSettings, readOnlySettings, resolveClientSettings } from "./transport/settings";
export type { ClientSettings, ConfigSource, CredentialSettings, EnvironmentVariables } from "./transport/settings";
export { isAccessError } from "./transport/errors";
export { operatorObjectId } from "./clients/operator";
export type { AccessError, AccessErrorKind } from "./transport/errors";
export { findEnvironment, getEnvironment, listEnvironments, readEnvironment } from "./clients/bap";
export type { DataverseInfo, EnvironmentInfo } from "./clients/bap";
export { servedNote, SKIP_REASON_CODES, unservableCondition } from "./clients/environment-kinds";
export type { EnvironmentCondition, SkipReasonCode } from "./clients/environment-kinds";
export { DYNAMICS_SKUS, getLicenseDetails, hasDynamicsLicense, isGroupMember, listDirectoryRoleAssignments, summarizeDynamicsLicenses } from "./clients/graph";
export type { DirectoryRoleAssignmentInfo, DynamicsLicenseSummary, LicenseDetail } from "./clients/graph";
export { ACCESS_MODES } from "./clients/dataverse";
export type { AccessModeName } from "./clients/dataverse";
export {
    DEFAULT_ACCESS_MODE,
    ENVIRONMENT_USER_MODULE,
    ENVIRONMENT_USER_TYPE,
    EnvironmentUser,
    environmentUserProvider,
} from "./resources/environment-user";
export type { EnvironmentUserArgs, EnvironmentUserOutputs } from "./resources/environment-user";
export {
    SECURITY_ROLE_ASSIGNMENT_MODULE,
    SECURITY_ROLE_ASSIGNMENT_TYPE,
    SecurityRoleAssignment,
    securityRoleAssignmentProvider,
    SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
} from "./resources/security-role-assignment";
export type { SecurityRoleAssignmentArgs, SecurityRoleAssignmentOutputs } from "./resources/security-role-assignment";
export {
    MAX_ELEVATION_HOURS,
    MAX_JUSTIFICATION_LENGTH,
    MIN_ELEVATION_HOURS,
    TIME_BOUND_ROLE_ASSIGNMENT_MODULE,
    TIME_BOUND_ROLE_ASSIGNMENT_TYPE,
    TimeBoundRoleAssignment,
    timeBoundRoleAssignmentProvider,
} from "./resources/time-bound-role-assignment";
export type { ElevationStatus, TimeBoundRoleAssignmentArgs, TimeBoundRoleAssignmentOutputs } from "./resources/time-bound-role-assignment";
export { findActiveRoleSchedule, isPimLicenceError, listActiveRoleSchedules, PIM_LICENCE_FIX, PIM_PERMISSION } from "./clients/pim";
export type { ActiveRoleSchedule } from "./clients/pim";
