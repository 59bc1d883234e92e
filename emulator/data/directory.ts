// Facts about the Entra directory that the emulator needs as data: built-in directory
// role templates and the licence SKUs it can show in licenseDetails.
import { derivedGuid } from "../ids";

export interface DirectoryRoleTemplate {
    id: string;
    displayName: string;
    description: string;
}

/** Built-in role templates (template id = roleDefinitionId for built-in roles). */
export const DIRECTORY_ROLE_TEMPLATES: readonly DirectoryRoleTemplate[] = [
    {
        id: "62e90394-69f5-4237-9190-012177145e10",
        displayName: "Global Administrator",
        description: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
    },
    {
        id: "44367163-eba1-44c3-98af-f5787879f96a",
        displayName: "Dynamics 365 Service Administrator",
        description: "Can manage all aspects of the Dynamics 365 product.",
    },
    {
        id: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        displayName: "Power Platform Administrator",
        description: "Can create and manage all aspects of Microsoft Dynamics 365, Power Apps and Power Automate.",
    },
    {
        id: "e8611ab8-c189-46e8-94e1-60213ab1f814",
        displayName: "Privileged Role Administrator",
        description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
    },
    {
        id: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        displayName: "Global Reader",
        description: "Can read everything that a Global Administrator can, but not update anything.",
    },
    {
        id: "fe930be7-5e62-47db-91af-98c3a49a38b1",
        displayName: "User Administrator",
        description: "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
    },
    {
        id: "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        displayName: "Groups Administrator",
        description:
            "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.",
    },
    { id: "4d6ac14f-3453-41d0-bef9-a3e0c569773a", displayName: "License Administrator", description: "Can manage product licenses on users and groups." },
];

/**
 * Holders of these roles are synced into Dataverse even without a licence, with access
 * mode Administrative (Microsoft: "unlicensed admins are synced as Administrative").
 */
export const ADMIN_ROLES_SYNCED_WITHOUT_LICENCE: readonly string[] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "44367163-eba1-44c3-98af-f5787879f96a",
    "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
];

/** SKU ids of well-known products; other part numbers get a stable derived id. */
const KNOWN_SKU_IDS: Readonly<Record<string, string>> = {
    DYN365_ENTERPRISE_PLAN1: "ea126fc5-a19e-42e2-a731-da9d437bffcf",
    DYN365_ENTERPRISE_SALES: "1e1a282c-9c54-43a2-9310-98ef728faace",
    DYN365_ENTERPRISE_CUSTOMER_SERVICE: "749742bf-0d37-4158-a120-33567104deeb",
    DYN365_ENTERPRISE_TEAM_MEMBERS: "8e7a3d30-d97d-43ab-837c-d7701cef83dc",
    ENTERPRISEPACK: "6fd2c87f-b296-42f0-b197-1e91e994b900",
    SPE_E3: "05e9a617-0261-4cee-bb44-138d3ef5d965",
    SPE_E5: "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    POWER_BI_STANDARD: "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235",
    FLOW_FREE: "f30db892-07e9-47e9-837c-80727f46fd3d",
};

export interface ServicePlan {
    servicePlanId: string;
    servicePlanName: string;
    provisioningStatus: "Success";
    appliesTo: "User";
}

export interface LicenseDetail {
    id: string;
    skuId: string;
    skuPartNumber: string;
    servicePlans: ServicePlan[];
}

export function skuId(skuPartNumber: string): string {
    return KNOWN_SKU_IDS[skuPartNumber] ?? derivedGuid("sku", skuPartNumber);
}

/** Whether a SKU part number is a Dynamics 365 / CRM licence (the rule in MICROSOFT-APIS). */
export function isDynamicsSku(skuPartNumber: string): boolean {
    return /^(DYN365_|D365_|CRM)/i.test(skuPartNumber);
}

/**
 * The licenseDetails entry of one assigned SKU. Service plans are reduced to one plan
 * named after the SKU (ids derived, not Microsoft's): enough for clients that match
 * Dynamics licences by SKU or plan name and provisioning status.
 */
export function licenseDetail(userId: string, skuPartNumber: string): LicenseDetail {
    const sku = skuId(skuPartNumber);
    return {
        // Graph's licenseDetails ids are opaque base64 strings built from the user and SKU
        id: Buffer.from(`${userId}:${sku}`).toString("base64url"),
        skuId: sku,
        skuPartNumber,
        servicePlans: [
            { servicePlanId: derivedGuid("service-plan", skuPartNumber), servicePlanName: skuPartNumber, provisioningStatus: "Success", appliesTo: "User" },
        ],
    };
}
