// The one file the provider stored in state loads (see hosting/hosted-provider.ts).
//
// Pulumi's provider host is plain Node: it loads `__provider` from state and calls
// its handler, which requires this file from the project directory (the host's working
// directory) and asks it for the implementation of one resource type. This file is
// JavaScript so the host can load it before anything compiles TypeScript. It then
// compiles the providers' TypeScript the way the program is compiled (transpile only,
// the project's tsconfig.json), keeping the output in node_modules/.cache keyed by the
// source, the compiler version and the options: a command whose providers did not
// change since the last one loads them without loading the compiler at all.
//
// Keep this path and `provider(type)` stable: every stack's state refers to them.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const PROJECT = path.join(__dirname, "..");
const CACHE = path.join(PROJECT, "node_modules", ".cache", "d365-backup-access", "providers");

const implementations = new Map();

function readOrEmpty(file) {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}

function compilerFingerprint() {
    const typescriptPackage = readOrEmpty(path.join(PROJECT, "node_modules", "typescript", "package.json"));
    return crypto
        .createHash("sha256")
        .update(typescriptPackage)
        .update("\0")
        .update(readOrEmpty(path.join(PROJECT, "tsconfig.json")))
        .digest("hex");
}

let compiler; // loaded on the first cache miss only
function transpile(source, fileName) {
    if (!compiler) {
        const ts = require("typescript");
        const parsed = ts.getParsedCommandLineOfConfigFile(
            path.join(PROJECT, "tsconfig.json"),
            {},
            { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
        );
        // No source map: Node ignores them without --enable-source-maps, and the output
        // then depends on the source alone, so every checkout of the same code shares it.
        compiler = {
            ts,
            options: {
                ...(parsed ? parsed.options : {}),
                module: ts.ModuleKind.CommonJS,
                sourceMap: false,
                inlineSourceMap: false,
                noEmit: false,
                declaration: false,
            },
        };
    }
    return compiler.ts.transpileModule(source, { fileName, compilerOptions: compiler.options }).outputText;
}

function compileTypeScriptWithCache() {
    const fingerprint = compilerFingerprint();
    require.extensions[".ts"] = function loadTypeScript(module, fileName) {
        const source = fs.readFileSync(fileName, "utf8");
        const key = crypto.createHash("sha256").update(fingerprint).update("\0").update(source).digest("hex");
        const cached = path.join(CACHE, `${key}.js`);
        let output = readOrEmpty(cached);
        if (!output) {
            output = transpile(source, fileName);
            try {
                fs.mkdirSync(CACHE, { recursive: true });
                fs.writeFileSync(`${cached}.${process.pid}`, output);
                fs.renameSync(`${cached}.${process.pid}`, cached);
            } catch {
                // A read-only checkout still works; it just compiles every time.
            }
        }
        module._compile(output, fileName);
    };
}

/** The provider implementation for one resource type, made once per process. */
exports.provider = function provider(resourceType) {
    let implementation = implementations.get(resourceType);
    if (!implementation) {
        // A Pulumi program or a test process compiles TypeScript already.
        if (!require.extensions[".ts"]) compileTypeScriptWithCache();
        implementation = require("./implementations").implementationFor(resourceType);
        implementations.set(resourceType, implementation);
    }
    return implementation;
};
