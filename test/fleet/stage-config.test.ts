// Where `fleet preview --stage` finds the stack settings file it copies (never writes).

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { stackSettingsFile } from "../../fleet/stage-config";

describe("fleet preview --stage: the stack's settings file", () => {
    let directory: string;

    beforeEach(async () => {
        directory = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-settings-"));
    });

    afterEach(async () => {
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("is Pulumi.<stack>.yaml, .yml or .json, for a short or a qualified stack name", async () => {
        await fs.writeFile(path.join(directory, "Pulumi.contoso.yml"), "config: {}\n");
        await fs.writeFile(path.join(directory, "Pulumi.fabrikam.json"), "{}\n");
        assert.equal(await stackSettingsFile(directory, "contoso"), path.join(directory, "Pulumi.contoso.yml"));
        assert.equal(await stackSettingsFile(directory, "organization/d365-backup-access/fabrikam"), path.join(directory, "Pulumi.fabrikam.json"));
        await fs.writeFile(path.join(directory, "Pulumi.contoso.yaml"), "config: {}\n");
        assert.equal(await stackSettingsFile(directory, "contoso"), path.join(directory, "Pulumi.contoso.yaml"), "the Automation API's order");
    });

    it("is named with the files looked for when there is none", async () => {
        await assert.rejects(
            stackSettingsFile(directory, "northwind"),
            /no settings file for stack northwind: looked for Pulumi\.northwind\.yaml, Pulumi\.northwind\.yml, Pulumi\.northwind\.json in /,
        );
    });
});
