import { strict as assert } from "assert";

import { plainTextCredentialKeys, runtimeConfigIsSecret } from "../../lib/plain-credentials";

describe("plain-text credentials", () => {
    it("names the credential keys that are set but not secret, and nothing else", () => {
        const config = {
            "azuread:clientSecret": "s",
            "azuread:clientCertificatePassword": "p",
            "azuread:oidcToken": " ",
            "azuread:clientId": "not a credential",
            "d365-backup-access:stage": "bootstrap",
        };
        assert.deepEqual(
            plainTextCredentialKeys(config, () => false),
            ["azuread:clientSecret", "azuread:clientCertificatePassword"],
        );
        assert.deepEqual(
            plainTextCredentialKeys(config, (key) => key === "azuread:clientSecret"),
            ["azuread:clientCertificatePassword"],
        );
    });

    it("reads secret keys as the Pulumi runtime has them", () => {
        const isSecret = runtimeConfigIsSecret();
        const runtimeConfig = require("@pulumi/pulumi/runtime/config");
        const saved = runtimeConfig.allConfig();
        try {
            runtimeConfig.setAllConfig({ "azuread:clientSecret": "s", "azuread:clientId": "c" }, ["azuread:clientSecret"]);
            assert.equal(isSecret("azuread:clientSecret"), true);
            assert.equal(isSecret("azuread:clientId"), false);
        } finally {
            runtimeConfig.setAllConfig(saved, []);
        }
    });
});
