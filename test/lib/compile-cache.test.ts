// The compile cache the program, the provider host and the policy pack share: each file compiled once,
// an edited file compiled again, a damaged entry compiled again instead of run, syntax
// errors named by file and line, and stack traces that name the .ts file and line.
//
// Each case runs in a fresh Node process, as Pulumi's program runner and provider host
// are: with source-map-support installed first and no ts-node (this test process has
// ts-node, so the cache would leave it alone).

import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPOSITORY = path.resolve(__dirname, "..", "..");
const COMPILE_CACHE = path.join(REPOSITORY, "lib", "compile-cache.js");

interface Run {
    readonly statistics: { compiled: number; fromCache: number; damaged: number };
    readonly value?: unknown;
    readonly stack?: string;
    /** Whether the process loaded the TypeScript compiler. */
    readonly compilerLoaded: boolean;
}

/** Loads `file` in a fresh process the way program.js does; reports what it returned or threw. */
function load(file: string, cacheDirectory: string): Run {
    const script = `
        require(require.resolve("source-map-support", { paths: [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))] })).install();
        const cache = require(${JSON.stringify(COMPILE_CACHE)});
        if (!cache.registerTypeScript({ cacheDirectory: ${JSON.stringify(cacheDirectory)} })) throw new Error("not registered");
        const report = (extra) => console.log(JSON.stringify({
            statistics: cache.statistics,
            compilerLoaded: Object.keys(require.cache).some((name) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(name)),
            ...extra,
        }));
        let value;
        try { value = require(${JSON.stringify(file)}).run(); } catch (error) { report({ stack: String(error.stack) }); process.exit(0); }
        report({ value });`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: REPOSITORY, encoding: "utf8" }));
}

function entries(directory: string): string[] {
    return fs.existsSync(directory) ? fs.readdirSync(directory).map((name) => path.join(directory, name)) : [];
}

describe("compile cache (lib/compile-cache.js)", function () {
    this.timeout(60_000);
    let work: string;
    let cache: string;
    let source: string;

    beforeEach(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "d365ba-compile-cache-"));
        cache = path.join(work, "cache");
        source = path.join(work, "answer.ts");
        fs.writeFileSync(
            source,
            'interface Answer {\n    value: string;\n}\n\nexport function run(): string {\n    const answer: Answer = { value: "first" };\n    return answer.value;\n}\n',
        );
    });

    afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

    it("compiles a file once; the next process runs the kept output without loading the compiler", () => {
        const first = load(source, cache);
        assert.strictEqual(first.value, "first");
        assert.deepStrictEqual(first.statistics, { compiled: 1, fromCache: 0, damaged: 0 });
        assert.strictEqual(entries(cache).length, 1);

        const second = load(source, cache);
        assert.strictEqual(second.value, "first");
        assert.deepStrictEqual(second.statistics, { compiled: 0, fromCache: 1, damaged: 0 });
        assert.strictEqual(second.compilerLoaded, false);
    });

    it("compiles an edited file again and runs the new code", () => {
        assert.strictEqual(load(source, cache).value, "first");
        fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace('"first"', '"edited"'));
        const edited = load(source, cache);
        assert.strictEqual(edited.value, "edited");
        assert.deepStrictEqual(edited.statistics, { compiled: 1, fromCache: 0, damaged: 0 });
    });

    for (const [damage, change] of [
        ["cut short", (text: string) => text.slice(0, Math.floor(text.length / 2))],
        ["holding other code", (text: string) => text.replace(/"first"/, '"not what the source says"')],
        ["empty of its checksum", (text: string) => text.slice(text.indexOf("\n") + 1)],
    ] as const) {
        it(`compiles again, runs the source and replaces an entry ${damage}`, () => {
            load(source, cache);
            const [entry] = entries(cache);
            fs.writeFileSync(entry, change(fs.readFileSync(entry, "utf8")));

            const run = load(source, cache);
            assert.strictEqual(run.value, "first");
            assert.deepStrictEqual(run.statistics, { compiled: 1, fromCache: 0, damaged: 1 });
            assert.deepStrictEqual(load(source, cache).statistics, { compiled: 0, fromCache: 1, damaged: 0 }, "the entry was replaced");
        });
    }

    for (const from of ["freshly compiled", "from the cache"]) {
        it(`names the .ts file and line in a thrown error's stack trace (${from})`, () => {
            const failing = path.join(work, "failing.ts");
            // The interface disappears from the output, so the output's line numbers are not the source's.
            fs.writeFileSync(
                failing,
                'interface Unused {\n    a: string;\n    b: string;\n}\n\nexport function run(): never {\n    throw new TypeError("deliberate");\n}\n',
            );
            if (from === "from the cache") load(failing, cache);
            const run = load(failing, cache);
            assert.match(run.stack!, /^TypeError: deliberate\n\s+at Object\.run \(.*failing\.ts:7:11\)/, run.stack);
        });
    }

    it("reports a syntax error with the file, line and column, and keeps nothing", () => {
        const broken = path.join(work, "broken.ts");
        fs.writeFileSync(broken, "export function run() {\n    return 1 +;\n}\n");
        const child = spawnSync(
            process.execPath,
            [
                "-e",
                `require(${JSON.stringify(COMPILE_CACHE)}).registerTypeScript({ cacheDirectory: ${JSON.stringify(cache)} }); require(${JSON.stringify(broken)});`,
            ],
            {
                cwd: REPOSITORY,
                encoding: "utf8",
            },
        );
        assert.notStrictEqual(child.status, 0);
        assert.match(child.stderr, /SyntaxError: .*broken\.ts\(2,15\): error TS1109: Expression expected\./, child.stderr);
        assert.deepStrictEqual(entries(cache), []);
    });

    it("takes over from another .ts loader (Node's own type stripping, from Node 23.6), and registers once", () => {
        const script = `
            require.extensions[".ts"] = () => { throw new Error("the other loader ran"); };
            const cache = require(${JSON.stringify(COMPILE_CACHE)});
            const first = cache.registerTypeScript({ cacheDirectory: ${JSON.stringify(cache)} });
            const second = cache.registerTypeScript({ cacheDirectory: ${JSON.stringify(cache)} });
            console.log(JSON.stringify({ first, second, value: require(${JSON.stringify(source)}).run() }));`;
        const run = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: REPOSITORY, encoding: "utf8" }));
        assert.deepStrictEqual(run, { first: true, second: false, value: "first" });
    });

    it("keeps @pulumi/pulumi from loading the TypeScript compiler until a function is serialized", () => {
        const script = `
            const typescriptLoaded = () => Object.keys(require.cache).some((name) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(name));
            const deferred = require(${JSON.stringify(COMPILE_CACHE)}).deferPulumiTypeScript();
            const pulumi = require("@pulumi/pulumi");
            const afterImport = typescriptLoaded();
            pulumi.runtime.serializeFunction(() => 42).then((serialized) => {
                console.log(JSON.stringify({ deferred, afterImport, afterSerializing: typescriptLoaded(), serialized: serialized.text.includes("42") }));
            });`;
        const run = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: REPOSITORY, encoding: "utf8" }));
        assert.deepStrictEqual(run, { deferred: true, afterImport: false, afterSerializing: true, serialized: true });
    });

    it("takes over from a ts-node someone else registered when asked (Pulumi's policy host), compiling through the cache", () => {
        const script = `
            const cache = require(${JSON.stringify(COMPILE_CACHE)});
            const left = cache.registerTypeScript({ cacheDirectory: ${JSON.stringify(cache)} });
            const taken = cache.registerTypeScript({ cacheDirectory: ${JSON.stringify(cache)}, replaceTsNode: true });
            const value = require(${JSON.stringify(source)}).run();
            console.log(JSON.stringify({ left, taken, value, statistics: cache.statistics }));`;
        const run = JSON.parse(
            execFileSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script], { cwd: REPOSITORY, encoding: "utf8" }),
        );
        assert.deepStrictEqual(run, { left: false, taken: true, value: "first", statistics: { compiled: 1, fromCache: 0, damaged: 0 } });
        assert.strictEqual(entries(cache).length, 1);
    });

    it("leaves a process where ts-node compiles already alone", () => {
        const { registerTypeScript } = require(COMPILE_CACHE);
        assert.strictEqual(registerTypeScript({ cacheDirectory: cache }), false);
        assert.deepStrictEqual(entries(cache), []);
    });
});
