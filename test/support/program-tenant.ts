// The tenant the program's tests under runtime mocks read through the emulator: the account the
// stack gives access to, the operator, a plain environment and one whose security group the
// account must join. A test adds the second user its cases need and any further environments.

export const ACCOUNT = { objectId: "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b", userPrincipalName: "backup@contoso.onmicrosoft.com" };
/** The object id of the tenant's second user, whom each test describes its own way. */
export const SECOND_USER_OBJECT_ID = "6d2f3b0c-4a5e-4f6a-9b7c-8d9e0f1a2b3c";
export const OPERATOR_OBJECT_ID = "5e9b1f8d-6a7c-4b0d-9e2f-4a5b6c7d8e9f";
export const GROUP = "8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b";
export const PLAIN = "0f4c6a3e-1b2d-4c5e-8f7a-9b0c1d2e3f4a";
export const RESTRICTED = "1a5d7b4f-2c3e-4d6f-9a8b-0c1d2e3f4a5b";
export const TEMPLATE = {
    globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
    dynamicsAdministrator: "44367163-eba1-44c3-98af-f5787879f96a",
    powerPlatformAdministrator: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
};

/** The tenant: the account, with a Dynamics 365 licence, the second user as `second` says, and more environments if given. */
export function programTenant(second: { userPrincipalName: string; licenses: string[] }, moreEnvironments: Record<string, unknown>[] = []) {
    return {
        tenantId: "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        operator: {
            clientId: "4d8a0e7c-5f6b-4a9c-8d1e-3f4a5b6c7d8e",
            clientSecret: "program-test-operator-secret",
            objectId: OPERATOR_OBJECT_ID,
            registeredAdminApplication: true,
        },
        users: [
            { id: ACCOUNT.objectId, userPrincipalName: ACCOUNT.userPrincipalName, accountEnabled: true, licenses: ["DYN365_ENTERPRISE_PLAN1"] },
            { id: SECOND_USER_OBJECT_ID, accountEnabled: true, ...second },
        ],
        groups: [{ id: GROUP, displayName: "Sales environment users", members: [] as string[] }],
        environments: [
            { id: PLAIN, displayName: "Contoso Production", sku: "Production" },
            { id: RESTRICTED, displayName: "Contoso Sales", sku: "Sandbox", securityGroupId: GROUP },
            ...moreEnvironments,
        ],
    };
}

/** The same tenant where the account already holds these directory roles and is in the group: access a stack adopts. */
export function heldAlready(tenant: ReturnType<typeof programTenant>, roleTemplateIds: string[]) {
    return {
        ...tenant,
        directoryRoleAssignments: roleTemplateIds.map((roleDefinitionId) => ({ principalId: ACCOUNT.objectId, roleDefinitionId })),
        groups: [{ ...tenant.groups[0], members: [ACCOUNT.objectId] }],
    };
}
