// The Graph client: which licences count as a Dynamics 365 licence, and, against the
// tenant emulator, the account's licences and a group membership.

import * as assert from "assert";

import { getLicenseDetails, hasDynamicsLicense, isGroupMember, LicenseDetail, summarizeDynamicsLicenses } from "../../../providers/clients/graph";
import { clientContextFromConfig } from "../../../providers/transport/context";
import { ACCOUNT, baseSeed, GROUP, stackConfig, withEmulator } from "../../support/tenant";

const quiet = { log: () => undefined };

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
        assert.ok(
            hasDynamicsLicense([
                sku("DYN365_ENTERPRISE_PLAN1", [
                    ["DYN365_ENTERPRISE_P1", "Success"],
                    ["FLOW_DYN_P2", "Success"],
                ]),
            ]),
        );
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
                sku("ENTERPRISEPACK", [
                    ["DYN365_CDS_O365_P2", "Success"],
                    ["EXCHANGE_S_ENTERPRISE", "Success"],
                ]),
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

describe("clients against the emulator", function () {
    this.timeout(30_000);

    it("reads the account's licences", async () => {
        const seed = baseSeed({
            users: [
                { id: ACCOUNT, userPrincipalName: "backup@contoso.onmicrosoft.com", licenses: ["DYN365_ENTERPRISE_PLAN1"] },
                { id: "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b", userPrincipalName: "admin@contoso.onmicrosoft.com", licenses: ["SPE_E5"] },
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            const licensed = await getLicenseDetails(ctx, ACCOUNT);
            assert.deepStrictEqual(
                licensed.map((l) => l.skuPartNumber),
                ["DYN365_ENTERPRISE_PLAN1"],
            );
            assert.ok(hasDynamicsLicense(licensed));
            assert.ok(!hasDynamicsLicense(await getLicenseDetails(ctx, "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b")));
        });
    });

    it("checks a group membership by asking about the one member, never reading the group's member list", async () => {
        // 250 other members: listing them would take 3 pages of 100.
        const others = Array.from({ length: 250 }, (_, i) => ({
            id: `a0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
            userPrincipalName: `user${i + 1}@contoso.onmicrosoft.com`,
        }));
        const nestedGroup = "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80";
        const onlyNested = "b0000000-0000-4000-8000-000000000001";
        const seed = baseSeed({
            users: [...baseSeed().users!, ...others, { id: onlyNested, userPrincipalName: "nested@contoso.onmicrosoft.com" }],
            groups: [
                { id: GROUP, displayName: "Restricted environment users", members: [...others.map((u) => u.id), ACCOUNT, nestedGroup] },
                { id: nestedGroup, displayName: "Nested", members: [onlyNested] },
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const ctx = await clientContextFromConfig(stackConfig(emulator), {}, quiet);
            emulator.clearRequests();
            assert.strictEqual(await isGroupMember(ctx, GROUP, ACCOUNT.toUpperCase()), true);
            const reads = emulator.requests().filter((r) => r.service === "graph" && r.path.includes(`/groups/${GROUP}/members`));
            assert.deepStrictEqual(
                reads.map((r) => `${r.method} ${decodeURIComponent(r.path)}`),
                [`GET /v1.0/groups/${GROUP}/members?$filter=id eq '${ACCOUNT}'&$select=id&$count=true`],
            );
            assert.strictEqual(await isGroupMember(ctx, GROUP, onlyNested), false, "membership through a nested group is not a direct membership");
            assert.strictEqual(await isGroupMember(ctx, nestedGroup, ACCOUNT), false);
            await assert.rejects(isGroupMember(ctx, GROUP, "x' or id ne 'y"), /is not a GUID/);
        });
    });
});
