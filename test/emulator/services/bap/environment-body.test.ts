import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { RunningEmulator, Seed } from "../../../../emulator";
import messy from "../../../../emulator/seeds/messy-tenant.json";
import { BAP_ENVIRONMENTS, dataverseAudience, dataverseUrl, DEMO, POWER_APPS, request, start, token } from "../../../support/emulator";

function fixture(name: string) {
  return JSON.parse(readFileSync(path.join(__dirname, "..", "..", "fixtures", name), "utf8"));
}

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/**
 * Every field of `recorded` exists in `actual` with the same JSON type (a null on
 * either side matches anything), recursively; arrays compare their first items.
 */
function missingFields(recorded: unknown, actual: unknown, where: string, omitted: readonly string[] = []): string[] {
  if (omitted.includes(where)) return [];
  if (recorded === null || actual === null) return [];
  if (kind(recorded) !== kind(actual)) return [`${where}: recorded ${kind(recorded)}, emulator ${kind(actual)}`];
  if (Array.isArray(recorded)) {
    return recorded.length > 0 && (actual as unknown[]).length > 0 ? missingFields(recorded[0], (actual as unknown[])[0], `${where}[0]`, omitted) : [];
  }
  if (kind(recorded) !== "object") return [];
  const a = actual as Record<string, unknown>;
  return Object.entries(recorded as Record<string, unknown>).flatMap(([key, value]) =>
    omitted.includes(`${where}.${key}`) ? [] : key in a ? missingFields(value, a[key], `${where}.${key}`, omitted) : [`${where}.${key}: missing`],
  );
}

describe("emulator response shapes against recorded responses", () => {
  let emulator: RunningEmulator;
  let bap: string;
  let dv: string;
  const dvApi = () => `${dataverseUrl(emulator, DEMO.administrativeEnv)}api/data/v9.2`;

  before(async () => {
    ({ emulator } = await start());
    bap = await token(emulator, POWER_APPS);
    dv = await token(emulator, dataverseAudience(emulator, DEMO.administrativeEnv));
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
    assert.deepEqual(missingFields({ value: [recorded.value[0]] }, { value: [res.body.value[0]] }, "$", BAP_OMITTED.map((p) => p.replace("$.", "$.value[0]."))), []);
  });

  it("Dataverse systemusers by azureactivedirectoryobjectid carries the recorded columns, with roles expanded", async () => {
    const res = await request("GET", `${dvApi()}/systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.backupUser}&$expand=systemuserroles_association($select=roleid,name,ismanaged,_businessunitid_value)`, { token: dv });
    assert.equal(res.body.value.length, 1);
    assert.deepEqual(missingFields(fixture("dataverse-systemusers-by-aad-object-id.json"), res.body, "$"), []);
  });

  it("Dataverse systemuser by id with roles carries the recorded columns", async () => {
    const list = await request("GET", `${dvApi()}/systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.backupUser}&$select=systemuserid`, { token: dv });
    const id = list.body.value[0].systemuserid;
    const res = await request("GET", `${dvApi()}/systemusers(${id})?$expand=systemuserroles_association($select=roleid,name,ismanaged,_businessunitid_value)`, { token: dv });
    assert.deepEqual(missingFields(fixture("dataverse-systemuser-with-roles.json"), res.body, "$"), []);
  });

  it("Dataverse roles carry the recorded columns, and the standard set matches the recorded one", async () => {
    const res = await request("GET", `${dvApi()}/roles`, { token: dv });
    const recorded = fixture("dataverse-roles.json");
    assert.deepEqual(missingFields(recorded, res.body, "$"), []);
    const names = (body: { value: Array<{ name: string; _roletemplateid_value: string | null }> }) => body.value.map((r) => `${r.name}|${r._roletemplateid_value}`).sort();
    assert.deepEqual(names(res.body), names(recorded));
  });

  it("Dataverse business unit carries the recorded columns", async () => {
    const root = await request("GET", `${dvApi()}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`, { token: dv });
    const res = await request("GET", `${dvApi()}/businessunits(${root.body.value[0].businessunitid})`, { token: dv });
    assert.deepEqual(missingFields(fixture("dataverse-businessunit.json"), res.body, "$"), []);
  });
});

describe("environment kinds and states against the recorded BAP shapes", () => {
  let emulator: RunningEmulator;
  let bap: string;
  const seed = structuredClone(messy) as Seed;
  // The recorded list holds a Developer environment with Dataverse and a Sandbox without.
  const [recordedWithDataverse, recordedWithout] = fixture("bap-list-environments.json").value;
  const omitted = (root: string) => ["$.properties.billingPolicy", "$.properties.parentEnvironmentGroup", "$.properties.usedBy"].map((p) => p.replace("$", root));

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
    const kindOf = (p: Record<string, any>) => [p.environmentSku, p.provisioningState, p.states.management.id, p.states.runtime.id, p.states.runtime.runtimeReasonCode, p.linkedEnvironmentMetadata, p.governanceConfiguration.protectionLevel];
    assert.deepEqual(kindOf(res.body.properties), kindOf(recordedWithout.properties));
  });
});
