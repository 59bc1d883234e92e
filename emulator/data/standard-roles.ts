// The standard Dataverse security roles every environment's business unit starts with
// (names and template ids as Microsoft ships them; most roles have no template id).
import roles from "./dataverse-standard-roles.json";

export interface StandardRole {
    name: string;
    roleTemplateId: string | null;
}

export const STANDARD_ROLES: readonly StandardRole[] = roles;

export const SYSTEM_ADMINISTRATOR_TEMPLATE_ID = "627090ff-40a3-4053-8790-584edc5be201";
