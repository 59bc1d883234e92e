// The benchmark's start-up figure: read from the command's event log as the engine writes
// it, it marks the first registration of a resource the program declares, not the root
// stack, a provider or a refresh step.

import * as assert from "assert";
import { promises as fs } from "fs";

import { isProgramRegistration, watchStartUp } from "../../bench/start-up";

const pre = (type: string, op = "same") => ({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { op, type, urn: `urn:pulumi:s::p::${type}::x` } } });
const line = (event: unknown) => `${JSON.stringify(event)}\n`;
const COMPONENT = "d365-backup-access:index:ServiceAccountAccess";

describe("bench/start-up.ts", () => {
    it("takes the program's first resource, not the root stack, a provider, a refresh step or another kind of event", () => {
        assert.strictEqual(isProgramRegistration(pre("pulumi:pulumi:Stack")), false);
        assert.strictEqual(isProgramRegistration(pre("pulumi:providers:pulumi")), false);
        assert.strictEqual(isProgramRegistration(pre("pulumi:providers:azuread")), false);
        assert.strictEqual(isProgramRegistration(pre(COMPONENT, "refresh")), false);
        assert.strictEqual(isProgramRegistration({ diagnosticEvent: { message: "x" } }), false);
        assert.strictEqual(isProgramRegistration(pre(COMPONENT)), true);
        assert.strictEqual(isProgramRegistration(pre("azuread:index/directoryRoleAssignment:DirectoryRoleAssignment", "create")), true);
    });

    it("asks the CLI for an event log and reads the figure from it as it is written, a line at a time", async () => {
        const watch = await watchStartUp();
        assert.strictEqual(watch.args[0], "--event-log");
        assert.deepStrictEqual(watch.env, { PULUMI_DEBUG_COMMANDS: "true" });
        const file = watch.args[1];
        watch.started();
        await fs.writeFile(file, line({ preludeEvent: {} }) + line(pre("pulumi:pulumi:Stack")) + line(pre("pulumi:providers:pulumi")));
        // Half a line, then the rest: the watch reads whole lines only.
        const registration = line(pre(COMPONENT));
        await fs.appendFile(file, registration.slice(0, 20));
        await new Promise((resolve) => setTimeout(resolve, 100));
        await fs.appendFile(file, registration.slice(20) + line({ summaryEvent: {} }));
        const seconds = await watch.stop();
        assert.ok(seconds !== null && seconds > 0, String(seconds));
        await assert.rejects(fs.access(file), "the event log is removed");
    });

    it("has no figure for a command that never registered a resource of the program", async () => {
        const watch = await watchStartUp();
        watch.started();
        await fs.writeFile(watch.args[1], line(pre("pulumi:pulumi:Stack")) + line(pre(COMPONENT, "refresh")));
        assert.strictEqual(await watch.stop(), null);
    });
});
