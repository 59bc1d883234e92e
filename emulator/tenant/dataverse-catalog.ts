// The fixed parts of every emulated Dataverse organisation: its id, its root business
// unit and the standard security roles of that business unit. Ids are derived from the
// environment id, so they are stable across runs but differ between environments, as
// role ids do in the real service.
import { derivedGuid } from "../ids";
import { STANDARD_ROLES } from "../data/standard-roles";

export interface CatalogRole {
    roleid: string;
    name: string;
    roleTemplateId: string | null;
    businessUnitId: string;
}

export function organizationId(environmentId: string): string {
    return derivedGuid("organization", environmentId.toLowerCase());
}

export function rootBusinessUnitId(environmentId: string): string {
    return derivedGuid("businessunit", environmentId.toLowerCase());
}

const cache = new Map<string, CatalogRole[]>();

export function environmentRoles(environmentId: string): CatalogRole[] {
    const key = environmentId.toLowerCase();
    let roles = cache.get(key);
    if (!roles) {
        const bu = rootBusinessUnitId(key);
        roles = STANDARD_ROLES.map((r) => ({ roleid: derivedGuid("role", key, r.name), name: r.name, roleTemplateId: r.roleTemplateId, businessUnitId: bu }));
        cache.set(key, roles);
    }
    return roles;
}

/** A child business unit under the root: its copies of the roles that have a template have role ids of their own. */
export function childBusinessUnitId(environmentId: string): string {
    return derivedGuid("businessunit", environmentId.toLowerCase(), "child");
}

export function childUnitRoleByTemplateId(environmentId: string, templateId: string): CatalogRole | undefined {
    const root = roleByTemplateId(environmentId, templateId);
    if (!root) return undefined;
    const key = environmentId.toLowerCase();
    return { ...root, roleid: derivedGuid("role", key, root.name, "child"), businessUnitId: childBusinessUnitId(key) };
}

export function roleById(environmentId: string, roleid: string): CatalogRole | undefined {
    const id = roleid.toLowerCase();
    return (
        environmentRoles(environmentId).find((r) => r.roleid === id) ??
        environmentRoles(environmentId)
            .filter((r) => r.roleTemplateId)
            .map((r) => childUnitRoleByTemplateId(environmentId, r.roleTemplateId!)!)
            .find((r) => r.roleid === id)
    );
}

/** The role a seed entry names: by template id when the role has one, else by name. */
export function roleByTemplateId(environmentId: string, templateId: string): CatalogRole | undefined {
    return environmentRoles(environmentId).find((r) => r.roleTemplateId === templateId.toLowerCase());
}

export function roleByName(environmentId: string, name: string): CatalogRole | undefined {
    return environmentRoles(environmentId).find((r) => r.name === name);
}
