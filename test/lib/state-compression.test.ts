// When a tenant's state should be written compressed, and when
// the preview's advice speaks: only for a large tenant, and not when the state is
// compressed already (as Pulumi reads its booleans) or the backend is a service.

import { strict as assert } from "assert";

import { ENGINE_DEFAULT_ENOUGH_UP_TO } from "../../lib/parallelism";
import { STATE_COMPRESSION_VARIABLE, stateCompressionAdvice, stateCompressionRecommended } from "../../lib/state-compression";

const LARGE = ENGINE_DEFAULT_ENOUGH_UP_TO + 1;

describe("state compression", () => {
    it("is recommended for the tenants that get a --parallel of their own, and only them", () => {
        for (const environments of [0, 1, 10, ENGINE_DEFAULT_ENOUGH_UP_TO, NaN]) {
            assert.equal(stateCompressionRecommended(environments), false, String(environments));
        }
        for (const environments of [LARGE, 300, 1000, 5000]) {
            assert.equal(stateCompressionRecommended(environments), true, String(environments));
        }
    });

    it("advises a large tenant with uncompressed state to set the variable, naming its environments", () => {
        for (const env of [{}, { [STATE_COMPRESSION_VARIABLE]: "" }, { [STATE_COMPRESSION_VARIABLE]: "false" }, { [STATE_COMPRESSION_VARIABLE]: "0" }]) {
            const advice = stateCompressionAdvice(1000, env);
            assert.ok(advice, JSON.stringify(env));
            assert.match(advice!, /^1000 environments to serve: on a self-managed backend/);
            assert.ok(advice!.includes("set PULUMI_DIY_BACKEND_ZSTD=true before `pulumi up`"), advice);
        }
    });

    it("says nothing for a small tenant", () => {
        assert.equal(stateCompressionAdvice(ENGINE_DEFAULT_ENOUGH_UP_TO, {}), undefined);
        assert.equal(stateCompressionAdvice(1, {}), undefined);
    });

    it("says nothing when the state is compressed already, reading the variables as Pulumi does", () => {
        for (const value of ["true", "TRUE", "True", "1", " true "]) {
            assert.equal(stateCompressionAdvice(1000, { [STATE_COMPRESSION_VARIABLE]: value }), undefined, value);
            assert.equal(stateCompressionAdvice(1000, { PULUMI_DIY_BACKEND_GZIP: value }), undefined, `gzip ${value}`);
        }
        assert.ok(stateCompressionAdvice(1000, { PULUMI_DIY_BACKEND_GZIP: "false" }));
    });

    it("says nothing when the backend named is a service (Pulumi Cloud), and still speaks for a self-managed one", () => {
        assert.equal(stateCompressionAdvice(1000, { PULUMI_BACKEND_URL: "https://api.pulumi.com" }), undefined);
        assert.equal(stateCompressionAdvice(1000, { PULUMI_BACKEND_URL: "HTTPS://pulumi.example.com/" }), undefined);
        for (const url of ["file:///var/state", "azblob://state", "s3://bucket", "gs://bucket", ""])
            assert.ok(stateCompressionAdvice(1000, { PULUMI_BACKEND_URL: url }), url);
    });
});
