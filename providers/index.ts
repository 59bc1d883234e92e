// The Power Platform clients and dynamic providers, as the rest of the project uses them:
// the program, the doctor, the fleet command, the demo and the benchmarks import from
// here, never from the layers below (README.md shows them).
//
//   const ctx = await clientContextFromConfig(pulumi.runtime.allConfig(), process.env, { log });
//   const environments = await listEnvironments(ctx);             // every page
//   const { licensedSkus } = summarizeDynamicsLicenses(await getLicenseDetails(ctx, accountObjectId));
//   const roles = await listDirectoryRoleAssignments(ctx, accountObjectId);   // to adopt, not create twice
//   const user = new EnvironmentUser(name, { environmentId, userObjectId });
//   new SecurityRoleAssignment(name, { environmentId, userObjectId }, { dependsOn: user });
//   new TimeBoundRoleAssignment(name, { roleId, principalObjectId, elevationHours: 2, justification });

// transport: settings, sign-in, HTTP, errors, identifier shapes
export { parseBoolean } from "./transport/booleans";
export { CLOUD_NAMES, CLOUDS } from "./transport/clouds";
export type { CloudEndpoints, CloudName, EndpointKey, Endpoints } from "./transport/clouds";
export { checkOperatorSignIn, clientContextFromConfig, createClientContext, customEndpointsNotice } from "./transport/context";
export type { ClientContext, ClientContextOptions, ResolvedEndpoints } from "./transport/context";
export type { TokenCredentialLike } from "./transport/credentials";
export { formatSeconds } from "./transport/durations";
export { CUSTOM_ENDPOINTS_KEY, CUSTOM_ENDPOINTS_VARIABLE, customEndpointsWarning } from "./transport/endpoint-policy";
export { accessError, isAccessError, messageOf } from "./transport/errors";
export type { AccessError, AccessErrorKind } from "./transport/errors";
export { answerError, callLabel, parseAnswer } from "./transport/http/answers";
export { backoffMs, createHttpClient, retryAfterMs } from "./transport/http/client";
export type { HttpClientOptions } from "./transport/http/client";
export { getAllPages } from "./transport/http/paging";
export type { ApiAnswer, ApiRequest, ApiResponse, Explanation, HttpClient, HttpMethod, Service } from "./transport/http/request";
export { GUID_PATTERN, isEnvironmentId, isGuid, normalizeEnvironmentId } from "./transport/ids";
export { describeCredential, missingCredentialsHelp } from "./transport/settings/credential-choice";
export { configuredCustomHosts, normalizeEndpoint } from "./transport/settings/endpoints";
export { CONFIG_KEYS, NAMESPACE, SECRET_CONFIG_KEYS } from "./transport/settings/keys";
export { pickClientConfig } from "./transport/settings/reader";
export { readClientSettings, readOnlySettings, removalSettings, resolveClientSettings } from "./transport/settings/resolve";
export type {
    ClientSettings,
    ConfigSource,
    CredentialSettings,
    EndpointSettings,
    EnvironmentVariables,
    HttpSettings,
    WaitSettings,
} from "./transport/settings/types";
export { tokenClaims } from "./transport/tokens";

// clients: BAP, Dataverse, Microsoft Graph and PIM, and what the program reads through them
export { findEnvironment, getEnvironment, listEnvironments, readEnvironment } from "./clients/bap";
export type { DataverseInfo, EnvironmentInfo } from "./clients/bap";
export { ACCESS_MODES, accessModeName, findSystemUserWithRoles, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "./clients/dataverse";
export type { AccessModeName, SystemUserWithRoles } from "./clients/dataverse";
export { listNamedRoleAssignments, listRoleAssignmentEnds, readRoleHeldElsewhere } from "./clients/directory-reads";
export type { RoleHeldElsewhere } from "./clients/directory-reads";
export { readDirectoryUser } from "./clients/directory-user";
export type { DirectoryUser } from "./clients/directory-user";
export { servedNote, SKIP_REASON_CODES, unservableCondition } from "./clients/environment-kinds";
export type { EnvironmentCondition, SkipReasonCode } from "./clients/environment-kinds";
export { DYNAMICS_SKUS, getLicenseDetails, hasDynamicsLicense, isGroupMember, listDirectoryRoleAssignments, summarizeDynamicsLicenses } from "./clients/graph";
export type { DirectoryRoleAssignmentInfo, DynamicsLicenseSummary, LicenseDetail } from "./clients/graph";
export { identifyOperator, operatorObjectId } from "./clients/operator";
export {
    findActiveRoleSchedule,
    isPimLicenceError,
    listActiveRoleSchedules,
    MAX_ELEVATION_HOURS,
    MAX_JUSTIFICATION_LENGTH,
    MIN_ELEVATION_HOURS,
    PIM_LICENCE_FIX,
    PIM_PERMISSION,
} from "./clients/pim";
export type { ActiveRoleSchedule } from "./clients/pim";

// hosting: what state stores as a resource's provider
export { hostedProviderText, isLegacyProviderText } from "./hosting/hosted-provider";

// resources
export { DEFAULT_ACCESS_MODE, ENVIRONMENT_USER_MODULE, ENVIRONMENT_USER_TYPE, EnvironmentUser, environmentUserProvider } from "./resources/environment-user";
export type { EnvironmentUserArgs, EnvironmentUserOutputs } from "./resources/environment-user";
export {
    SECURITY_ROLE_ASSIGNMENT_MODULE,
    SECURITY_ROLE_ASSIGNMENT_TYPE,
    SecurityRoleAssignment,
    securityRoleAssignmentProvider,
} from "./resources/security-role-assignment";
export type { SecurityRoleAssignmentArgs, SecurityRoleAssignmentOutputs } from "./resources/security-role-assignment";
export {
    TIME_BOUND_ROLE_ASSIGNMENT_MODULE,
    TIME_BOUND_ROLE_ASSIGNMENT_TYPE,
    TimeBoundRoleAssignment,
    timeBoundRoleAssignmentProvider,
} from "./resources/time-bound-role-assignment";
export type { ElevationStatus, TimeBoundRoleAssignmentArgs, TimeBoundRoleAssignmentOutputs } from "./resources/time-bound-role-assignment";
