// Which licences count as a Dynamics 365 licence.

import * as assert from "assert";

import { hasDynamicsLicense, LicenseDetail, summarizeDynamicsLicenses } from "../../providers/clients/graph";

function sku(skuPartNumber: string, plans: [string, string][]): LicenseDetail {
    return {
        skuId: "00000000-0000-0000-0000-000000000000",
        skuPartNumber,
        servicePlans: plans.map(([servicePlanName, provisioningStatus]) => ({
            servicePlanId: "00000000-0000-0000-0000-000000000001",
            servicePlanName,
            provisioningStatus,
            appliesTo: "User",
        })),
    };
}

describe("Dynamics licence rules", () => {
    it("accepts a Dynamics SKU whose Dynamics plan is provisioned", () => {
        assert.ok(hasDynamicsLicense([sku("DYN365_ENTERPRISE_PLAN1", [["DYN365_ENTERPRISE_P1", "Success"], ["FLOW_DYN_P2", "Success"]])]));
    });

    it("accepts an unlisted SKU through its service plans", () => {
        assert.ok(hasDynamicsLicense([sku("D365_CUSTOMER_SERVICE_ENT_NEW", [["D365_CSI_EMBED_CSEnterprise", "Success"]])]));
        assert.ok(hasDynamicsLicense([sku("CRMPLAN2_LEGACY", [["CRMPLAN2", "Success"]])]));
    });

    it("accepts a known SKU that lists no plans", () => {
        assert.ok(hasDynamicsLicense([sku("DYN365_TEAM_MEMBERS", [])]));
    });

    it("rejects a Dynamics SKU whose plans are not provisioned yet, reporting it as pending", () => {
        const details = [sku("DYN365_ENTERPRISE_SALES", [["DYN365_ENTERPRISE_SALES", "PendingProvisioning"]])];
        assert.ok(!hasDynamicsLicense(details));
        assert.deepStrictEqual(summarizeDynamicsLicenses(details), { licensedSkus: [], pendingSkus: ["DYN365_ENTERPRISE_SALES"] });
    });

    it("does not count the Dataverse plans bundled with Office 365 or Power Apps, nor capacity add-ons", () => {
        assert.ok(
            !hasDynamicsLicense([
                sku("ENTERPRISEPACK", [["DYN365_CDS_O365_P2", "Success"], ["EXCHANGE_S_ENTERPRISE", "Success"]]),
                sku("POWERAPPS_PER_USER", [["DYN365_CDS_P2", "Success"]]),
                sku("FLOW_FREE", [["DYN365_CDS_VIRAL", "Success"]]),
                sku("CRMSTORAGE", [["CRMSTORAGE", "Success"]]),
                sku("CRMINSTANCE", [["CRMINSTANCE", "Success"]]),
            ]),
        );
    });

    it("finds the Dynamics licence among others, e.g. inherited through a group", () => {
        const details = [
            sku("ENTERPRISEPACK", [["DYN365_CDS_O365_P2", "Success"]]),
            sku("DYN365_ENTERPRISE_CUSTOMER_SERVICE", [["DYN365_ENTERPRISE_CUSTOMER_SERVICE", "Success"]]),
        ];
        assert.deepStrictEqual(summarizeDynamicsLicenses(details).licensedSkus, ["DYN365_ENTERPRISE_CUSTOMER_SERVICE"]);
    });

    it("rejects no licences at all", () => {
        assert.ok(!hasDynamicsLicense([]));
    });
});
