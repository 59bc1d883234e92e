// How the pack reads the stack configuration the language host started it with.

import { strict as assert } from "assert";

import { configValue, readStackConfig } from "../../policy/stack-config";

describe("policy pack stack configuration", () => {
    it("reads values in both key spellings and the stack", () => {
        const config = readStackConfig({
            PULUMI_CONFIG: JSON.stringify({
                "d365-backup-access:config:stage": "operational",
                "azuread:clientSecret": "s",
                "d365-backup-access:elevationHours": " ",
            }),
            PULUMI_NODEJS_STACK: "contoso",
        });
        assert.equal(config.stack, "contoso");
        assert.equal(configValue(config, "d365-backup-access:stage"), "operational");
        assert.equal(configValue(config, "azuread:clientSecret"), "s");
        assert.equal(configValue(config, "d365-backup-access:elevationHours"), undefined, "blank counts as unset");
    });

    it("tells 'not given' apart from 'none'", () => {
        assert.equal(readStackConfig({}).values, undefined);
        assert.deepEqual(readStackConfig({ PULUMI_CONFIG: "{}" }).values, {});
    });

    it("names the variable when it is not JSON", () => {
        assert.throws(() => readStackConfig({ PULUMI_CONFIG: "{not json" }), /PULUMI_CONFIG is not JSON/);
    });
});
