import { strict as assert } from "assert";

import { Activity, fleetProgress, resourcesDone } from "../../fleet/progress";
import { runThrough } from "../support/progress";

describe("fleet progress", () => {
    it("adds each tenant's resources done and changing to its live line", () => {
        const written: string[] = [];
        const activity: Activity = { name: "contoso", startedMs: 1000, phase: "pulumi up", done: 1, changing: 0 };
        const progress = fleetProgress({ write: (text: string) => written.push(text), isTTY: true, columns: 200 }, { now: () => 2000, intervalMs: 60_000 });
        runThrough(progress, activity, (moved) => {
            moved.done = 3;
            moved.changing = 1;
        });
        assert.deepEqual(written, [
            "  contoso  pulumi up  1.0 s  1 resource done, 0 changing\n",
            "\x1b[1A\x1b[2K\n\x1b[1A  contoso  pulumi up  1.0 s  3 resources done, 1 changing\n",
            "\x1b[1A\x1b[2K\n\x1b[1Acontoso: ok in 1.0 s\n",
        ]);
    });

    it("writes plain lines when not on a terminal", () => {
        const written: string[] = [];
        const activity: Activity = { name: "contoso", startedMs: 1000, phase: "pulumi up", done: 3, changing: 1 };
        const progress = fleetProgress({ write: (text: string) => written.push(text) }, { now: () => 3500 });
        progress.started(activity);
        progress.finished(activity, `contoso: ok in ${progress.elapsed(activity)}`);
        assert.deepEqual(written, ["contoso: pulumi up\n", "contoso: ok in 2.5 s\n"]);
        assert.equal(resourcesDone({ ...activity, done: 1, changing: 0 }), "1 resource done, 0 changing");
    });
});
