// The error a known failure ends a run with carries no stack frames: Pulumi's runtime
// formats it with util.inspect, which stalls for tens of seconds on some frames.

import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as util from "util";

import { runError } from "../../lib/run-error";

describe("runError", () => {
    it("is a RunError with its message and no stack frames for the runtime's inspect to format", () => {
        const error = runError("Cannot reach the Entra sign-in endpoint at 127.0.0.1:9, from AZURE_AUTHORITY_HOST, for x: connect ECONNREFUSED 127.0.0.1:9");
        assert.ok(pulumi.RunError.isInstance(error));
        assert.strictEqual(
            error.message,
            "Cannot reach the Entra sign-in endpoint at 127.0.0.1:9, from AZURE_AUTHORITY_HOST, for x: connect ECONNREFUSED 127.0.0.1:9",
        );
        assert.doesNotMatch(error.stack ?? "", /\n\s+at /);
        assert.doesNotMatch(util.inspect(error, { colors: true }), /\n\s+at /);
    });
});
