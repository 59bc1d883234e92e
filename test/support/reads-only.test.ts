import { strict as assert } from "assert";

import { RunningEmulator } from "../../emulator";
import { emulatorOrigin, expectOnlyReads } from "./reads-only";
import { BAP_ENVIRONMENTS, POWER_APPS, request, start, token } from "./emulator";

// The end-to-end suite's reads-only check (test/support/reads-only.ts) against a real
// emulator: it must fail whenever it cannot see, never pass unseen.
describe("the end-to-end reads-only check", () => {
    let emulator: RunningEmulator;
    let origin: string;
    before(async () => {
        ({ emulator } = await start());
        origin = emulatorOrigin(emulator.env);
    });
    after(() => emulator.stop());

    it("passes a command that only reads, and fails one that writes, naming the request", async () => {
        const bap = await token(emulator, POWER_APPS);
        assert.equal(
            await expectOnlyReads(
                "a read",
                [origin],
                async () => (await request("GET", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}?api-version=2023-06-01`, { token: bap })).status,
            ),
            200,
        );
        await assert.rejects(
            expectOnlyReads("a write", [origin], () =>
                request("DELETE", `${emulator.endpoints.bap}${BAP_ENVIRONMENTS}/nope?api-version=2023-06-01`, { token: bap }),
            ),
            /a write must only read the tenant, but it sent 1 request\(s\) other than GET:\n {2}DELETE bap /,
        );
    });

    it("fails, without running the command, when it has no emulator to watch or cannot read its log", async () => {
        let ran = 0;
        const command = async () => void ran++;
        await assert.rejects(expectOnlyReads("pulumi preview", [], command), /pulumi preview: the reads-only check was given no tenant emulator to watch/);
        // Nothing listens there (an emulator the test stopped): its log cannot be read.
        const stopped = await start();
        const stoppedOrigin = emulatorOrigin(stopped.emulator.env);
        await stopped.emulator.stop();
        await assert.rejects(expectOnlyReads("pulumi refresh", [origin, stoppedOrigin], command), (error: Error) => {
            assert.match(error.message, /pulumi refresh: the reads-only check cannot read the request log of the emulator at https:\/\/127\.0\.0\.1:\d+/);
            assert.ok(error.message.includes(stoppedOrigin), error.message);
            return true;
        });
        assert.equal(ran, 0);
    });

    it("finds no emulator behind a sign-in URL that is not one: unset, or not on 127.0.0.1", () => {
        assert.equal(emulatorOrigin({ AZURE_AUTHORITY_HOST: `${origin}/` }), origin);
        assert.throws(() => emulatorOrigin({}), /AZURE_AUTHORITY_HOST is not set, expected the emulator's sign-in URL on 127\.0\.0\.1\. Fix: /);
        assert.throws(
            () => emulatorOrigin({ AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/" }),
            /AZURE_AUTHORITY_HOST is "https:\/\/login\.microsoftonline\.com\/"/,
        );
        assert.throws(() => emulatorOrigin({ AZURE_AUTHORITY_HOST: "not a url" }), /AZURE_AUTHORITY_HOST is "not a url"/);
    });
});
