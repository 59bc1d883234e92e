// Stack traces formatted once per distinct stack (lib/stack-trace-cache.js): the same
// frames reuse the text their first trace got, each error keeping its own first line;
// other frames get their own; a formatter that writes something else is left alone; and,
// through the compile cache as the program runs, traces still name the .ts file and line
// of each frame.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cacheStackTraces } = require("../../lib/stack-trace-cache") as { cacheStackTraces(limit?: number): boolean };

const REPOSITORY = path.resolve(__dirname, "..", "..");

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** Formats as source-map-support does (`name: message`, then a line per frame), counting its calls. */
function countingFormatter(): { format: Formatter; calls: () => number } {
    let calls = 0;
    const format: Formatter = (error, frames) => {
        calls++;
        return `${error.name}: ${error.message}` + frames.map((frame) => `\n    at ${frame}`).join("");
    };
    return { format, calls: () => calls };
}

function errorHere(message: string): Error {
    return new RangeError(message);
}

function errorFromElsewhere(message: string): Error {
    return errorHere(message);
}

describe("stack traces formatted once per distinct stack (lib/stack-trace-cache.js)", () => {
    let original: typeof Error.prepareStackTrace;

    beforeEach(() => (original = Error.prepareStackTrace));
    afterEach(() => (Error.prepareStackTrace = original));

    it("formats a stack once: the same frames again get the same text, each error with its own name and message", () => {
        const { format, calls } = countingFormatter();
        Error.prepareStackTrace = format as typeof Error.prepareStackTrace;
        assert.strictEqual(cacheStackTraces(), true);

        const stacks = [1, 2, 3].map((n) => String(errorHere(`number ${n}`).stack));
        assert.strictEqual(calls(), 1, "one stack, formatted once");
        stacks.forEach((stack, i) => assert.match(stack, new RegExp(`^RangeError: number ${i + 1}\\n    at errorHere \\(`), stack));
        const frames = (stack: string) => stack.slice(stack.indexOf("\n"));
        assert.strictEqual(frames(stacks[2]), frames(stacks[0]));
    });

    it("formats another stack on its own, even through the same line called from elsewhere", () => {
        const { format, calls } = countingFormatter();
        Error.prepareStackTrace = format as typeof Error.prepareStackTrace;
        cacheStackTraces();

        const direct = String(errorHere("direct").stack);
        const indirect = String(errorFromElsewhere("indirect").stack);
        assert.strictEqual(calls(), 2);
        assert.match(indirect, /^RangeError: indirect\n    at errorHere \(.*\n    at errorFromElsewhere \(/, indirect);
        assert.doesNotMatch(direct, /errorFromElsewhere/);
    });

    it("leaves a formatter that writes something else than the error's first line and frames alone", () => {
        let calls = 0;
        Error.prepareStackTrace = (() => `call ${++calls}`) as typeof Error.prepareStackTrace;
        cacheStackTraces();
        assert.deepStrictEqual([String(errorHere("a").stack), String(errorHere("a").stack)], ["call 1", "call 2"]);
    });

    it("passes a call by hand without frames straight to the formatter", () => {
        Error.prepareStackTrace = ((error: Error, frames: unknown) => `${error.message} with ${JSON.stringify(frames)}`) as typeof Error.prepareStackTrace;
        cacheStackTraces();
        assert.strictEqual(Error.prepareStackTrace!(new Error("by hand"), undefined as unknown as NodeJS.CallSite[]), "by hand with undefined");
    });

    it("keeps at most the stacks it is told to, then starts over", () => {
        const { format, calls } = countingFormatter();
        Error.prepareStackTrace = format as typeof Error.prepareStackTrace;
        cacheStackTraces(1);
        errorHere("a").stack;
        errorFromElsewhere("b").stack;
        errorHere("c").stack;
        assert.strictEqual(calls(), 3, "the first stack was dropped to keep the second");
    });

    it("wraps once, and only a formatter there is", () => {
        delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
        assert.strictEqual(cacheStackTraces(), false);
        Error.prepareStackTrace = countingFormatter().format as typeof Error.prepareStackTrace;
        assert.strictEqual(cacheStackTraces(), true);
        assert.strictEqual(cacheStackTraces(), false);
    });

    it("through the compile cache and source-map-support, as the program runs: each trace names the .ts lines of its own frames", function () {
        this.timeout(60_000);
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "d365ba-stack-trace-cache-"));
        try {
            const source = path.join(work, "failing.ts");
            // The interface disappears from the output, so the output's line numbers are not the source's.
            fs.writeFileSync(
                source,
                [
                    "interface Unused {",
                    "    a: string;",
                    "}",
                    "",
                    "export function fail(): Error {",
                    '    return new TypeError("deliberate");',
                    "}",
                    "",
                    "export function viaOne(): Error {",
                    "    return fail();",
                    "}",
                    "",
                    "export function viaTwo(): Error {",
                    "    return fail();",
                    "}",
                    "",
                ].join("\n"),
            );
            const script = `
                require(require.resolve("source-map-support", { paths: [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))] })).install();
                const cache = require(${JSON.stringify(path.join(REPOSITORY, "lib", "compile-cache.js"))});
                cache.registerTypeScript({ cacheDirectory: ${JSON.stringify(path.join(work, "cache"))} });
                const failing = require(${JSON.stringify(source)});
                const stacks = [...[1, 2].map(() => failing.viaOne()), failing.viaTwo()].map((error) => error.stack);
                console.log(JSON.stringify({ cached: Error.prepareStackTrace.cachesStackTraces === true, stacks }));`;
            const { cached, stacks } = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: REPOSITORY, encoding: "utf8" }));
            assert.strictEqual(cached, true, "the compile cache wraps source-map-support's formatter");
            const [one, again, two] = stacks as string[];
            assert.match(one, /^TypeError: deliberate\n\s+at fail \(.*failing\.ts:6:12\)\n\s+at (?:Object\.)?viaOne \(.*failing\.ts:10:12\)/, one);
            assert.strictEqual(again, one);
            assert.match(two, /^TypeError: deliberate\n\s+at fail \(.*failing\.ts:6:12\)\n\s+at (?:Object\.)?viaTwo \(.*failing\.ts:14:12\)/, two);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});
