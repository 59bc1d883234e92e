// Generated tenants for the benchmark: the demo tenant's operator and backup account,
// with N Dataverse environments in which the operator is already an application user
// holding System Administrator (as after its first run), and the service's delays.

import { promises as fs } from "fs";
import * as path from "path";

import { Seed } from "../emulator";
import { SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../providers";

export interface TenantShape {
    readonly environments: number;
    readonly latencyMs: number;
    readonly userSyncDelayMs: number;
}

const DEMO_SEED = path.join(__dirname, "..", "emulator", "seeds", "demo.json");

/** Environment ids b0000000-0000-4000-8000-00000000000N. */
export function benchEnvironmentId(n: number): string {
    return `b0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

export async function generateTenant(shape: TenantShape): Promise<{ seed: Seed; accountUpn: string }> {
    const demo = JSON.parse(await fs.readFile(DEMO_SEED, "utf8")) as Seed;
    const account = demo.users!.find((user) => user.userPrincipalName.startsWith("backup@"))!;
    const operatorAppUser = {
        azureActiveDirectoryObjectId: demo.operator.objectId,
        applicationId: demo.operator.clientId,
        roleTemplateIds: [SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID],
    };
    const seed: Seed = {
        tenantId: demo.tenantId,
        operator: demo.operator,
        users: [account],
        environments: Array.from({ length: shape.environments }, (_, i) => ({
            id: benchEnvironmentId(i + 1),
            displayName: `Environment ${i + 1}`,
            sku: "Production" as const,
            systemUsers: [operatorAppUser],
        })),
        behaviour: { latencyMs: shape.latencyMs, userSyncDelayMs: shape.userSyncDelayMs },
    };
    return { seed, accountUpn: account.userPrincipalName };
}
