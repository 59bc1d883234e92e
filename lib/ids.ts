// Identifier shapes used across the program. Entra object ids, tenant ids and
// role template ids are GUIDs; Power Platform environment ids are GUIDs too, except
// the tenant's default environment, whose id is "Default-<tenant id>". Those shapes are
// the providers' (the same rule for the program and the resources' inputs); the user
// principal name is the program's own.

export { isEnvironmentId, isGuid } from "../providers";

// A user principal name is "local@domain" with a dotted domain and no whitespace.
// Entra accepts more exotic forms (e.g. "#EXT#" guests), which still match this.
const USER_PRINCIPAL_NAME = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isUserPrincipalName(value: string): boolean {
    return USER_PRINCIPAL_NAME.test(value);
}

/** Ids are compared case-insensitively: Entra and BAP return lower case, users paste
 *  either. The same rule as the providers' inputs, so program and providers agree. */
export { normalizeEnvironmentId as normalizeId } from "../providers";
