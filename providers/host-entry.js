// The one file the dynamic-provider stub in state loads (see hosted-provider.ts).
//
// Pulumi's provider host is plain Node: it loads `__provider` from state and calls it.
// Our stub in state only names a resource type and this file, relative to the project
// directory (the host's working directory). This file is JavaScript so the host can
// load it before anything can compile TypeScript; it then lets ts-node compile the
// providers (transpile only, the project's tsconfig), exactly as the Pulumi program
// itself is run, and hands out one implementation per resource type per process.
//
// Keep this path and `provider(type)` stable: every stack's state refers to them.
"use strict";

const path = require("path");

const implementations = new Map();

function ensureTypeScript() {
    if (require.extensions[".ts"]) return; // a Pulumi program or a test already compiles TypeScript
    require("ts-node").register({
        transpileOnly: true,
        project: path.join(__dirname, "..", "tsconfig.json"),
    });
}

/** The provider implementation for one resource type, made once per process. */
exports.provider = function provider(resourceType) {
    let implementation = implementations.get(resourceType);
    if (!implementation) {
        ensureTypeScript();
        implementation = require("./implementations").implementationFor(resourceType);
        implementations.set(resourceType, implementation);
    }
    return implementation;
};
