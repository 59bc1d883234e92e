// The suite-wide secret check (test/support/secret-guard.ts) itself: it learns the
// secrets of every emulated tenant and catches them in errors and output.

import { strict as assert } from "assert";

import { startEmulator } from "../../emulator";
import { accessError } from "../../providers";
import { inspectForSecrets, registerSecret, takeLeaks } from "../support/secret-guard";

const SEED_SECRET = "guard-self-test-seed-secret~1";

describe("secret guard", () => {
    it("learns an emulated tenant's client secret and catches it in an error message", async () => {
        const emulator = await startEmulator({
            tenantId: "11111111-2222-4333-8444-555555555555",
            operator: { clientId: "11111111-2222-4333-8444-666666666666", clientSecret: SEED_SECRET, objectId: "11111111-2222-4333-8444-777777777777" },
        });
        await emulator.stop();
        accessError("api", { what: `Something echoed ${SEED_SECRET} back`, fix: "none" });
        const leaks = takeLeaks();
        assert.equal(leaks.length, 1);
        assert.match(leaks[0], /^an error \(api\): Something echoed \[THE SECRET\] back/);
        assert.ok(!leaks[0].includes(SEED_SECRET), "the report never shows the secret");
    });

    it("catches a registered secret in output and captured lines, and ignores short values", () => {
        registerSecret("guard-self-test-config-secret~2");
        registerSecret("short");
        inspectForSecrets("a captured line", "progress: guard-self-test-config-secret~2 and short");
        const leaks = takeLeaks();
        assert.equal(leaks.length, 1);
        assert.match(leaks[0], /^a captured line: progress: \[THE SECRET\] and short/);
    });
});
