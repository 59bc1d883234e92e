// The commands' one progress printer (cli/progress.ts): live lines redrawn in place on a
// terminal, plain lines elsewhere.

import { strict as assert } from "assert";

import { liveLine, LiveProgress, PlainProgress, progressFor, Task } from "../../cli";
import { runThrough } from "../support/progress";

const task = (name: string): Task => ({ name, startedMs: 1000, phase: "pulumi up" });

describe("cli: progress", () => {
    it("off a terminal, writes a line when a task starts, changes phase and ends, and the lines that stay, prefixed", () => {
        const written: string[] = [];
        const progress = new PlainProgress({ write: (text: string) => written.push(text) }, { prefix: "bench: ", now: () => 3500 });
        const a = task("contoso");
        progress.line("starting");
        runThrough(progress, a, (task) => (task.phase = "pulumi refresh"));
        assert.deepEqual(written, [
            "bench: starting\n",
            "bench: contoso: pulumi up\n",
            "bench: contoso: pulumi refresh (2.5 s)\n",
            "bench: contoso: ok in 2.5 s\n",
        ]);
    });

    it("off a terminal, writes only the lines that stay when told to (steps: false)", () => {
        const written: string[] = [];
        const progress = new PlainProgress({ write: (text: string) => written.push(text) }, { steps: false, now: () => 3500 });
        const a = task("$ npx pulumi up");
        progress.started(a);
        progress.phase(a);
        progress.finished(a, "   $ npx pulumi up  → ok in 2.5 s");
        assert.deepEqual(written, ["   $ npx pulumi up  → ok in 2.5 s\n"]);
    });

    it("on a terminal, redraws one line per running task in place, the lines that stay above them", () => {
        const written: string[] = [];
        const progress = new LiveProgress(
            { write: (text: string) => written.push(text), isTTY: true, columns: 200 },
            { prefix: "p: ", now: () => 3500, intervalMs: 60_000, detail: (t) => `${t.name.length} letters` },
        );
        const [a, b] = [task("contoso"), task("fabrikam")];
        progress.started(a);
        progress.started(b);
        progress.line("a note");
        progress.finished(a, "contoso: ok");
        progress.close();
        const line = (name: string) => `  ${name.padEnd(8)}  pulumi up  2.5 s  ${name.length} letters\n`;
        assert.equal(written[0], `  contoso  pulumi up  2.5 s  7 letters\n`);
        // A second task: the one live line is erased (up, clear, up again) and both are drawn, names aligned.
        assert.equal(written[1], `\x1b[1A\x1b[2K\n\x1b[1A${line("contoso")}${line("fabrikam")}`);
        // A line that stays goes above the live lines, which are drawn again under it.
        assert.equal(written[2], `\x1b[2A\x1b[2K\n\x1b[2K\n\x1b[2Ap: a note\n${line("contoso")}${line("fabrikam")}`);
        // Ending a task erases both live lines, prints its line, and draws the one still running.
        assert.equal(written[3], `\x1b[2A\x1b[2K\n\x1b[2K\n\x1b[2Ap: contoso: ok\n${line("fabrikam")}`);
        // Closing draws the one still running once more, then stops.
        assert.equal(written[4], `\x1b[1A\x1b[2K\n\x1b[1A${line("fabrikam")}`);
        assert.equal(written.length, 5);
    });

    it("cuts a live line to the terminal's width", () => {
        assert.equal(liveLine(task("contoso"), 2000), "  contoso  pulumi up  1.0 s");
        assert.equal(liveLine(task("contoso"), 2000, 120, 9, "3 done"), "  contoso    pulumi up  1.0 s  3 done");
        assert.equal(liveLine(task("contoso"), 2000, 12), "  contoso  …", "12 characters, the last an ellipsis");
    });

    it("draws live lines on a terminal only", () => {
        assert.ok(progressFor({ write: () => true }) instanceof PlainProgress);
        const live = progressFor({ write: () => true, isTTY: true });
        assert.ok(live instanceof LiveProgress);
        live.close();
    });
});
