// Identifier shapes, written once for the clients, the providers and the program. Entra
// object ids, tenant ids, application ids and role template ids are GUIDs; a Power
// Platform environment id is a GUID too, except the tenant's default environment's,
// "Default-<tenant id>".

/** A GUID in any case, nothing around it. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The default environment's id, "Default-<tenant id>", in any case. */
export const DEFAULT_ENVIRONMENT_PATTERN = /^default-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A DNS name with at least one dot, e.g. contoso.onmicrosoft.com or management.azure.com. */
export const DOMAIN_NAME_PATTERN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export function isGuid(value: string): boolean {
    return GUID_PATTERN.test(value);
}

export function isEnvironmentId(value: string): boolean {
    return GUID_PATTERN.test(value) || DEFAULT_ENVIRONMENT_PATTERN.test(value);
}

/** Lower-cases a GUID; keeps the "Default-" prefix of the default environment's id. */
export function normalizeEnvironmentId(value: string): string {
    return DEFAULT_ENVIRONMENT_PATTERN.test(value) ? `Default-${value.slice("default-".length).toLowerCase()}` : value.toLowerCase();
}
