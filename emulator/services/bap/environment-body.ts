// The BAP representation of an environment, field for field like the recorded
// responses of GET …/scopes/admin/environments/{id} (see emulator/README.md for the
// few fields left out). Dataverse environments carry linkedEnvironmentMetadata with the
// emulated instance's own https://127.0.0.1:PORT/ as instanceUrl — empty while the
// environment or its database is still being provisioned, as the service has no URL to
// give yet; environments without Dataverse carry linkedEnvironmentMetadata null, as
// recorded. The kind and state fields (environmentSku, provisioningState, states,
// instanceState, governanceConfiguration, usedBy) come from the seed.
import { Environment, User } from "../../seed/types";
import { organizationId } from "../../tenant/dataverse-catalog";
import { Endpoints } from "../deps";

const CREATED = "2024-01-15T08:00:00.0000000Z";
const MODIFIED = "2024-01-15T08:05:00.0000000Z";

export function environmentPath(id: string): string {
    return `/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${id}`;
}

/** The owner of a Developer environment, as the recorded list shows it ("usedBy"). */
function usedBy(env: Environment, tenantId: string, owner: User | undefined): Record<string, unknown> {
    if (!env.owner) return {};
    return { usedBy: { id: env.owner, type: "User", tenantId, userPrincipalName: owner?.userPrincipalName ?? "" } };
}

function linkedEnvironmentMetadata(env: Environment, instanceUrl: string): Record<string, unknown> {
    const provisioned = env.provisioningState === "Succeeded";
    return {
        resourceId: organizationId(env.id),
        friendlyName: env.displayName,
        uniqueName: env.uniqueName,
        domainName: env.uniqueName,
        version: env.version,
        instanceUrl: provisioned ? instanceUrl : "",
        instanceApiUrl: provisioned ? new URL(instanceUrl).origin : "",
        baseLanguage: 1033,
        instanceState: env.instanceState,
        createdTime: "2024-01-15T08:00:01.000Z",
        backgroundOperationsState: "Enabled",
        scaleGroup: "EURCRMLIVESG705",
        platformSku: "Standard",
        schemaType: "Standard",
        ...(env.securityGroupId ? { securityGroupId: env.securityGroupId } : {}),
    };
}

export function environmentBody(env: Environment, tenantId: string, endpoints: Endpoints, owner?: User): Record<string, unknown> {
    const instanceUrl = endpoints.dataverse[env.id];
    const properties: Record<string, unknown> = {
        tenantId,
        azureRegion: env.azureRegion,
        displayName: env.displayName,
        description: "",
        createdTime: CREATED,
        createdBy: { id: "SYSTEM", displayName: "SYSTEM", email: "", type: "NotSpecified", tenantId, userPrincipalName: "" },
        ...usedBy(env, tenantId, owner),
        lastModifiedTime: MODIFIED,
        provisioningState: env.provisioningState,
        creationType: env.sku === "Default" ? "DefaultTenant" : "User",
        environmentSku: env.sku,
        isDefault: env.sku === "Default",
        capacity: ["Database", "File", "Log", "FinOpsDatabase", "FinOpsFile"].map((capacityType) => ({
            capacityType,
            actualConsumption: 0.0,
            ratedConsumption: 0.0,
            capacityUnit: "MB",
            updatedOn: "2024-01-16T03:00:00Z",
        })),
        addons: [],
        clientUris: {
            admin: `https://admin.powerplatform.microsoft.com/environments/environment/${env.id}/hub`,
            maker: `https://make.powerapps.com/environments/${env.id}/home`,
        },
        runtimeEndpoints: {
            "microsoft.BusinessAppPlatform": endpoints.bap,
            "microsoft.CommonDataModel": `https://${env.location}.api.cds.microsoft.com`,
            "microsoft.PowerApps": `https://${env.location}.api.powerapps.com`,
            "microsoft.PowerAppsAdvisor": `https://${env.location}.api.advisor.powerapps.com`,
            "microsoft.PowerVirtualAgents": `https://powervamg.${env.location}.gateway.prod.island.powerapps.com`,
            "microsoft.ApiManagement": `https://management.${env.location.toUpperCase()}.azure-apihub.net`,
            "microsoft.Flow": `https://${env.location}.api.flow.microsoft.com`,
        },
        databaseType: env.dataverse ? "CommonDataService" : "None",
        trialScenarioType: "None",
        notificationMetadata: { state: "NotSpecified", branding: "NotSpecific" },
        retentionPeriod: "P7D",
        states: {
            management: { id: env.managementState },
            runtime: {
                runtimeReasonCode: env.runtimeState === "AdminMode" ? "AdminMode" : "NotSpecified",
                requestedBy: { displayName: "SYSTEM", type: "NotSpecified" },
                id: env.runtimeState,
            },
        },
        updateCadence: { id: "Moderate" },
        bingChatEnabled: true,
        m365Enabled: true,
        copilotPolicies: { crossGeoCopilotDataMovementEnabled: true, crossBoundaryCopilotDataMovementEnabled: true },
        retentionDetails: { retentionPeriod: "P7D", backupsAvailableFromDateTime: "2024-01-16T00:00:00.0000000Z" },
        protectionStatus: { keyManagedBy: "Microsoft" },
        cluster: { category: "Prod", number: "107", uriSuffix: "eu-il107.gateway.prod.island", geoShortName: "EU", environment: "Prod" },
        connectedGroups: [],
        lifecycleOperationsEnforcement: { allowedOperations: [], disallowedOperations: [] },
        governanceConfiguration: { protectionLevel: env.managed ? "Standard" : "Basic" },
        linkedEnvironmentMetadata: env.dataverse && instanceUrl ? linkedEnvironmentMetadata(env, instanceUrl) : null,
    };
    return {
        id: environmentPath(env.id),
        type: "Microsoft.BusinessAppPlatform/scopes/environments",
        location: env.location,
        name: env.id,
        properties,
    };
}
