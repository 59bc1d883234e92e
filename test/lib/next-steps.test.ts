import { strict as assert } from "assert";

import { nextSteps } from "../../lib/next-steps";

describe("next steps", () => {
    const context = { stack: "contoso", serviceAccount: "backup@contoso.onmicrosoft.com" };

    it("after bootstrap: create the connector, then move to operational", () => {
        const text = nextSteps("bootstrap", context);
        assert.match(text, /create the Dynamics 365 connector/);
        assert.match(text, /npx pulumi config set --stack contoso d365-backup-access:stage operational && npx pulumi up --stack contoso/);
    });

    it("prints every command as this project runs the pinned CLI (npx pulumi), which needs no global pulumi", () => {
        for (const stage of ["bootstrap", "operational", "reauth"] as const) {
            const commands = nextSteps(stage, context).match(/(\S+ )?pulumi (config|up|preview)\b/g) ?? [];
            assert.ok(commands.length > 0, stage);
            for (const command of commands) assert.ok(command.startsWith("npx pulumi"), `${stage}: ${command}`);
        }
    });

    it("after operational: drift check and how to re-authenticate", () => {
        const text = nextSteps("operational", context);
        assert.match(text, /--expect-no-changes/);
        assert.match(text, /d365-backup-access:stage reauth/);
    });

    it("after reauth: re-authenticate, then demote at once", () => {
        const text = nextSteps("reauth", context);
        assert.match(text, /Re-authenticate/);
        assert.match(text, /d365-backup-access:stage operational/);
    });

    describe("with a time-bound Global Administrator", () => {
        const now = Date.parse("2026-12-01T08:00:00Z");
        const active = { endDateTime: "2026-12-01T10:00:00.000Z", status: "active" as const, now };

        it("says by when the connector must be created or re-authenticated", () => {
            const bootstrap = nextSteps("bootstrap", { ...context, elevation: active });
            assert.match(bootstrap, /holds Global Administrator \(time-bound, until 2026-12-01 10:00 UTC\)/);
            assert.match(bootstrap, /create the Dynamics 365 connector before 2026-12-01 10:00 UTC/);
            assert.match(
                nextSteps("reauth", { ...context, elevation: active }),
                /Re-authenticate the Dynamics 365 connector in the backup product now \(before 2026-12-01 10:00 UTC\)/,
            );
        });

        it("once it ended (refresh saw it, or its end passed): not granted again by itself, and how to ask on purpose", () => {
            for (const elevation of [
                { ...active, status: "ended" as const },
                { ...active, now: Date.parse("2026-12-01T11:00:00Z") },
            ]) {
                const text = nextSteps("bootstrap", { ...context, elevation });
                assert.match(text, /time-bound Global Administrator ended \(2026-12-01 10:00 UTC\); it is not granted again by itself/);
                assert.match(text, /npx pulumi config set --stack contoso d365-backup-access:elevationJustification ".*" && npx pulumi up --stack contoso/);
                assert.doesNotMatch(text, /holds Global Administrator/);
            }
        });
    });
});
