// Seeds for the provider tests and a started emulator with the provider configuration
// that points at it. Waits are short: the emulator's delays are tens of milliseconds.

import { RunningEmulator, Seed, startEmulator } from "../../emulator";

export const TENANT_ID = "5f1c7a3e-2b4d-4c6e-9a8b-0d1e2f3a4b5c";
export const OPERATOR = {
    clientId: "0c7d2a91-5e3f-4b6a-8c1d-9e2f3a4b5c6d",
    clientSecret: "operator-secret-9f8e7d~emulator-only",
    objectId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
};
export const ACCOUNT = "3b6c9d2e-4f5a-4b7c-8d9e-0f1a2b3c4d5e";
export const SYSTEM_ADMINISTRATOR = "627090ff-40a3-4053-8790-584edc5be201";
export const GROUP = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

/** Environment ids e0000000-0000-4000-8000-00000000000N. */
export function environmentId(n: number): string {
    return `e0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** The operator as an application user with System Administrator, as after a first run. */
export const OPERATOR_APP_USER = { azureActiveDirectoryObjectId: OPERATOR.objectId, applicationId: OPERATOR.clientId, roleTemplateIds: [SYSTEM_ADMINISTRATOR] };

export function dataverseEnvironment(n: number, extra: Record<string, unknown> = {}) {
    return { id: environmentId(n), displayName: `Environment ${n}`, sku: "Production", systemUsers: [OPERATOR_APP_USER], ...extra };
}

export function baseSeed(overrides: Partial<Seed> = {}): Seed {
    return {
        tenantId: TENANT_ID,
        operator: { ...OPERATOR, displayName: "operator", registeredAdminApplication: true },
        users: [
            {
                id: ACCOUNT,
                userPrincipalName: "backup@contoso.onmicrosoft.com",
                displayName: "Backup",
                accountEnabled: true,
                licenses: ["DYN365_ENTERPRISE_PLAN1"],
            },
        ],
        groups: [{ id: GROUP, displayName: "Restricted environment users", members: [] }],
        environments: [dataverseEnvironment(1)],
        behaviour: { userSyncDelayMs: 30, licensePropagationDelayMs: 0, latencyMs: 0 },
        ...overrides,
    } as Seed;
}

/** Provider configuration as a stack would hold it, pointing at the emulator. */
export function stackConfig(emulator: RunningEmulator, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "azuread:tenantId": TENANT_ID,
        "azuread:clientId": OPERATOR.clientId,
        "azuread:clientSecret": OPERATOR.clientSecret,
        "d365-backup-access:endpoints": JSON.stringify({ login: emulator.endpoints.login, graph: emulator.endpoints.graph, bap: emulator.endpoints.bap }),
        // The emulator's hosts are not the cloud's.
        "d365-backup-access:customEndpoints": "true",
        "d365-backup-access:pollIntervalSeconds": "0.02",
        "d365-backup-access:userSyncTimeoutSeconds": "5",
        "d365-backup-access:licenseWaitTimeoutSeconds": "5",
        "d365-backup-access:requestTimeoutSeconds": "20",
        ...extra,
    };
}

export async function withEmulator<T>(seed: Seed, body: (emulator: RunningEmulator) => Promise<T>): Promise<T> {
    const emulator = await startEmulator(seed, { warn: () => undefined });
    try {
        return await body(emulator);
    } finally {
        await emulator.stop();
    }
}

export function systemUserOf(emulator: RunningEmulator, environment: string, objectId = ACCOUNT) {
    return emulator
        .state()
        .environments!.find((e) => e.id === environment)!
        .systemUsers!.find((u) => u.azureActiveDirectoryObjectId === objectId);
}
