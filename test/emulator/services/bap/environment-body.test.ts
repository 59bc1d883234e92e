// The BAP representation of an environment against recorded responses of the real
// service (test/emulator/fixtures/): the demo tenant's, and every kind and state of the
// messy tenant's. (Dataverse's rows: test/emulator/services/dataverse/columns.test.ts.)
import { strict as assert } from "assert";
import { RunningEmulator, Seed } from "../../../../emulator";
import messy from "../../../../emulator/seeds/messy-tenant.json";
import { BAP_ENVIRONMENTS, DEMO, POWER_APPS, request, start, token } from "../../../support/emulator";
import { missingFields, recorded as fixture } from "../../../support/recorded-responses";

describe("emulator response shapes against recorded responses", () => {
    let emulator: RunningEmulator;
    let bap: string;

    before(async () => {
        ({ emulator } = await start());
        bap = await token(emulator, POWER_APPS);
    });
    after(() => emulator.stop());

    // Left out on purpose: the pay-as-you-go billing policy (linked only when an Azure
    // subscription pays for the environment) and the list-only group / owner fields.
    const BAP_OMITTED = ["$.properties.billingPolicy", "$.properties.parentEnvironmentGroup", "$.properties.usedBy"];

    it("BAP GET environment carries the recorded fields", async () => {
        const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${DEMO.plainEnv}?api-version=2023-06-01`, { token: bap });
        assert.deepEqual(missingFields(fixture("bap-get-environment-with-dataverse.json"), res.body, "$", BAP_OMITTED), []);
    });

    it("BAP list entries carry the recorded fields", async () => {
        const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, { token: bap });
        const recorded = fixture("bap-list-environments.json");
        assert.deepEqual(
            missingFields(
                { value: [recorded.value[0]] },
                { value: [res.body.value[0]] },
                "$",
                BAP_OMITTED.map((p) => p.replace("$.", "$.value[0].")),
            ),
            [],
        );
    });
});

describe("environment kinds and states against the recorded BAP shapes", () => {
    let emulator: RunningEmulator;
    let bap: string;
    const seed = structuredClone(messy) as Seed;
    // The recorded list holds a Developer environment with Dataverse and a Sandbox without.
    const [recordedWithDataverse, recordedWithout] = fixture("bap-list-environments.json").value;
    const omitted = (root: string) =>
        ["$.properties.billingPolicy", "$.properties.parentEnvironmentGroup", "$.properties.usedBy"].map((p) => p.replace("$", root));

    before(async () => {
        ({ emulator } = await start(seed));
        bap = await token(emulator, POWER_APPS);
    });
    after(() => emulator.stop());

    it("every list entry, whatever its kind and state, carries the recorded fields with the recorded nesting", async () => {
        const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, { token: bap });
        assert.equal(res.body.value.length, seed.environments!.filter((e) => !e.createAfterRequests).length);
        for (const entry of res.body.value) {
            const recorded = entry.properties.linkedEnvironmentMetadata === null ? recordedWithout : recordedWithDataverse;
            assert.deepEqual(missingFields(recorded, entry, "$", omitted("$")), [], `${entry.properties.displayName}`);
        }
    });

    it("every single-environment answer carries the recorded fields with the recorded nesting", async () => {
        for (const env of seed.environments!.filter((e) => !e.createAfterRequests)) {
            const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${env.id}?api-version=2023-06-01`, { token: bap });
            assert.equal(res.status, 200, env.displayName);
            const recorded = fixture("bap-get-environment-with-dataverse.json");
            const without = res.body.properties.linkedEnvironmentMetadata === null ? ["$.properties.linkedEnvironmentMetadata"] : [];
            assert.deepEqual(missingFields(recorded, res.body, "$", [...omitted("$"), ...without]), [], env.displayName);
        }
    });

    it("a Developer environment's owner is shaped like the recorded usedBy", async () => {
        const developer = seed.environments!.find((e) => e.sku === "Developer")!;
        const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${developer.id}?api-version=2023-06-01`, { token: bap });
        assert.deepEqual(missingFields(recordedWithDataverse.properties.usedBy, res.body.properties.usedBy, "$.properties.usedBy"), []);
        assert.equal(res.body.properties.usedBy.id, developer.owner);
    });

    it("an ordinary Sandbox without Dataverse answers the recorded values for its kind and state", async () => {
        const sandbox = seed.environments!.find((e) => e.sku === "Sandbox" && e.dataverse === false)!;
        const res = await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/${sandbox.id}?api-version=2023-06-01`, { token: bap });
        const kindOf = (p: Record<string, any>) => [
            p.environmentSku,
            p.provisioningState,
            p.states.management.id,
            p.states.runtime.id,
            p.states.runtime.runtimeReasonCode,
            p.linkedEnvironmentMetadata,
            p.governanceConfiguration.protectionLevel,
        ];
        assert.deepEqual(kindOf(res.body.properties), kindOf(recordedWithout.properties));
    });
});
