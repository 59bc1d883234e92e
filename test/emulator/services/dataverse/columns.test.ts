// Dataverse's rows (systemuser, role, business unit) against recorded responses of the
// real Web API (test/emulator/fixtures/): every recorded column is there, with its type.
// (BAP's environments: test/emulator/services/bap/environment-body.test.ts.)
import { strict as assert } from "assert";
import { RunningEmulator } from "../../../../emulator";
import { dataverseAudience, dataverseUrl, DEMO, request, start, token } from "../../../support/emulator";
import { missingFields, recorded as fixture } from "../../../support/recorded-responses";

describe("emulator response shapes against recorded responses", () => {
    let emulator: RunningEmulator;
    let dv: string;
    const dvApi = () => `${dataverseUrl(emulator, DEMO.administrativeEnv)}api/data/v9.2`;

    before(async () => {
        ({ emulator } = await start());
        dv = await token(emulator, dataverseAudience(emulator, DEMO.administrativeEnv));
    });
    after(() => emulator.stop());

    it("Dataverse systemusers by azureactivedirectoryobjectid carries the recorded columns, with roles expanded", async () => {
        const res = await request(
            "GET",
            `${dvApi()}/systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.backupUser}&$expand=systemuserroles_association($select=roleid,name,ismanaged,_businessunitid_value)`,
            { token: dv },
        );
        assert.equal(res.body.value.length, 1);
        assert.deepEqual(missingFields(fixture("dataverse-systemusers-by-aad-object-id.json"), res.body, "$"), []);
    });

    it("Dataverse systemuser by id with roles carries the recorded columns", async () => {
        const list = await request("GET", `${dvApi()}/systemusers?$filter=azureactivedirectoryobjectid eq ${DEMO.backupUser}&$select=systemuserid`, {
            token: dv,
        });
        const id = list.body.value[0].systemuserid;
        const res = await request(
            "GET",
            `${dvApi()}/systemusers(${id})?$expand=systemuserroles_association($select=roleid,name,ismanaged,_businessunitid_value)`,
            { token: dv },
        );
        assert.deepEqual(missingFields(fixture("dataverse-systemuser-with-roles.json"), res.body, "$"), []);
    });

    it("Dataverse roles carry the recorded columns, and the standard set matches the recorded one", async () => {
        const res = await request("GET", `${dvApi()}/roles`, { token: dv });
        const recorded = fixture("dataverse-roles.json");
        assert.deepEqual(missingFields(recorded, res.body, "$"), []);
        const names = (body: { value: Array<{ name: string; _roletemplateid_value: string | null }> }) =>
            body.value.map((r) => `${r.name}|${r._roletemplateid_value}`).sort();
        assert.deepEqual(names(res.body), names(recorded));
    });

    it("Dataverse business unit carries the recorded columns", async () => {
        const root = await request("GET", `${dvApi()}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`, { token: dv });
        const res = await request("GET", `${dvApi()}/businessunits(${root.body.value[0].businessunitid})`, { token: dv });
        assert.deepEqual(missingFields(fixture("dataverse-businessunit.json"), res.body, "$"), []);
    });
});
