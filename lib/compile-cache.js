// The project's TypeScript, compiled once and kept: one implementation for the
// processes that run it without ts-node, the program (program.js, the entry Pulumi.yaml
// names), Pulumi's dynamic-provider host (providers/host-entry.js) and the policy pack
// (policy/policy.js, which takes over from the ts-node Pulumi's policy host registers).
//
// Compiling on every run cost about 1.4 s of CPU per command (on 2 cores): loading the
// compiler, then 20 to 100 ms for each of the 60-odd files. So each file's output is
// kept in node_modules/.cache, keyed by its source, its name, the compiler's version and
// tsconfig.json; a run whose code did not change compiles nothing. The key
// changes with the source, so an edited file is compiled again; an entry that does not
// match its own checksum (a disk that filled up, a hand edit) is compiled again and
// replaced rather than run. Compiling is transpiling only, as ts-node did with
// tsconfig's noCheck: `npm run typecheck` checks the types.
//
// Each output carries an inline source map, and the process's source-map-support (which
// Pulumi's program runner and provider host both install) is told where to find it: a
// stack trace from a failed run names the .ts file and line, not the compiled ones.
//
// Plain JavaScript, so that it loads before anything compiles TypeScript.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const { cacheStackTraces } = require("./stack-trace-cache");

const PROJECT = path.join(__dirname, "..");
const DEFAULT_CACHE = path.join(PROJECT, "node_modules", ".cache", "d365-backup-access", "compiled");
// Part of every key: a change to what an entry holds (its format, the compiler's
// options below) must not reuse entries written by an earlier version of this file.
const FORMAT = "2";

/** What this process did, for tests: files compiled, taken from the cache, and entries found damaged. */
const statistics = { compiled: 0, fromCache: 0, damaged: 0 };
exports.statistics = statistics;

function readOrEmpty(file) {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}

const sha256 = (...parts) => {
    const hash = crypto.createHash("sha256");
    for (const part of parts) hash.update(part).update("\0");
    return hash.digest("hex");
};

/** What besides the source decides the output: the compiler's version and the project's options. */
function compilerFingerprint(project) {
    return sha256(FORMAT, readOrEmpty(path.join(project, "node_modules", "typescript", "package.json")), readOrEmpty(path.join(project, "tsconfig.json")));
}

/** The compiler and the project's options, loaded on the first cache miss only. */
function makeCompiler(project) {
    const ts = require("typescript");
    const parsed = ts.getParsedCommandLineOfConfigFile(
        path.join(project, "tsconfig.json"),
        {},
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    const options = {
        ...(parsed ? parsed.options : {}),
        module: ts.ModuleKind.CommonJS,
        // Inline, naming the source by its base name only: the map resolves next to the
        // compiled file, and the output stays the same in every checkout of the code.
        inlineSourceMap: true,
        sourceMap: false,
        inlineSources: false,
        sourceRoot: undefined,
        mapRoot: undefined,
        noEmit: false,
        declaration: false,
    };
    return (source, fileName) => {
        const result = ts.transpileModule(source, { fileName: path.basename(fileName), compilerOptions: options, reportDiagnostics: true });
        const errors = (result.diagnostics || []).filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
        if (errors.length) {
            // A SyntaxError: Pulumi then prints the message alone, which names the place.
            throw new SyntaxError(
                errors
                    .map((diagnostic) => {
                        const where =
                            diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
                        const place = where ? `${fileName}(${where.line + 1},${where.character + 1})` : fileName;
                        return `${place}: error TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
                    })
                    .join("\n"),
            );
        }
        return result.outputText;
    };
}

/** An entry: the output's checksum on the first line, then the output. */
function readEntry(file) {
    const text = readOrEmpty(file);
    if (!text) return undefined;
    const newline = text.indexOf("\n");
    const output = newline < 0 ? "" : text.slice(newline + 1);
    if (newline !== 64 || sha256(output) !== text.slice(0, newline)) {
        statistics.damaged++;
        return undefined;
    }
    return output;
}

function writeEntry(directory, file, output) {
    const temporary = `${file}.${process.pid}`;
    try {
        fs.mkdirSync(directory, { recursive: true });
        fs.writeFileSync(temporary, `${sha256(output)}\n${output}`);
        // Whole or not at all: a concurrent run reads either no entry or this one.
        fs.renameSync(temporary, file);
    } catch {
        // A read-only checkout still works; it just compiles every time.
        fs.rmSync(temporary, { force: true });
    }
}

/** Lets the process's source-map-support (or else Node's own) find the inline maps of the files compiled here. */
function mapStackTraces(outputs) {
    let support;
    try {
        // The copy Pulumi's program runner and provider host installed (they resolve it from @pulumi/pulumi).
        const pulumiDirectory = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [PROJECT] }));
        support = require(require.resolve("source-map-support", { paths: [pulumiDirectory] }));
    } catch {
        process.setSourceMapsEnabled(true);
        return;
    }
    // It reads a file's map from the file's text: give it the compiled text, which holds the map.
    support.install({ retrieveFile: (file) => outputs.get(file) || null, handleUncaughtExceptions: false, environment: "node" });
    // Mapping every frame of every trace the SDK takes is most of a large program's start (stack-trace-cache.js).
    cacheStackTraces();
}

/**
 * Makes `require` load .ts files through the cache. Does nothing where this cache is in
 * place, nor where ts-node compiles TypeScript already (tests and tools) unless
 * `replaceTsNode` (a process whose ts-node someone else registered: Pulumi's policy
 * host). Node's own type stripping (on by default from Node 23.6) is replaced: it
 * refuses `export =`, which the program uses, and would take files with `import` for ES
 * modules. Returns whether it registered.
 */
exports.registerTypeScript = function registerTypeScript(options = {}) {
    const current = require.extensions[".ts"];
    if (current && current.compileCache) return false;
    if (process[Symbol.for("ts-node.register.instance")] && !options.replaceTsNode) return false;
    const project = options.project || PROJECT;
    const directory = options.cacheDirectory || DEFAULT_CACHE;
    const fingerprint = compilerFingerprint(project);
    const outputs = new Map();
    let compile;
    mapStackTraces(outputs);
    require.extensions[".ts"] = function loadTypeScript(module, fileName) {
        const source = fs.readFileSync(fileName, "utf8");
        const entry = path.join(directory, `${sha256(fingerprint, path.basename(fileName), source)}.js`);
        let output = readEntry(entry);
        if (output === undefined) {
            compile = compile || makeCompiler(project);
            output = compile(source, fileName);
            statistics.compiled++;
            writeEntry(directory, entry, output);
        } else {
            statistics.fromCache++;
        }
        outputs.set(fileName, output);
        module._compile(output, fileName);
    };
    require.extensions[".ts"].compileCache = true;
    return true;
};

/**
 * Loads the TypeScript compiler for @pulumi/pulumi on its first use instead of when
 * @pulumi/pulumi loads (0.3 to 0.6 s of every command). Pulumi's closure serializer
 * requires it at load time, through its typescript-shim, but uses it only to serialize
 * a function, which this program never asks for: its resources store a provider text
 * of their own (providers/hosting/hosted-provider.ts). Call before @pulumi/pulumi
 * loads; anything that does serialize a function still gets the compiler, a little later.
 */
exports.deferPulumiTypeScript = function deferPulumiTypeScript() {
    let shim;
    try {
        shim = require.resolve("@pulumi/pulumi/typescript-shim", { paths: [PROJECT] });
    } catch {
        return false; // Another @pulumi/pulumi: nothing to defer.
    }
    if (require.cache[shim]) return false;
    let compiler;
    const load = () => {
        if (!compiler) {
            delete require.cache[shim];
            try {
                compiler = require(shim);
            } finally {
                require.cache[shim] = stand;
            }
        }
        return compiler;
    };
    const stand = new Module(shim, module);
    stand.filename = shim;
    stand.loaded = true;
    stand.exports = new Proxy(
        {},
        {
            get: (_, key) => load()[key],
            has: (_, key) => key in load(),
            ownKeys: () => Reflect.ownKeys(load()),
            getOwnPropertyDescriptor: (_, key) => {
                const descriptor = Object.getOwnPropertyDescriptor(load(), key);
                return descriptor && { ...descriptor, configurable: true };
            },
        },
    );
    require.cache[shim] = stand;
    return true;
};
