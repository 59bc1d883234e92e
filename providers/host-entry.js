// The one file the provider stored in state loads (see hosting/hosted-provider.ts).
//
// Pulumi's provider host is plain Node: it loads `__provider` from state and calls
// its handler, which requires this file from the project directory (the host's working
// directory) and asks it for the implementation of one resource type. This file is
// JavaScript so the host can load it before anything compiles TypeScript; the
// providers' TypeScript then loads through the compile cache the program uses too
// (lib/compile-cache.js): a command whose providers did not change since the last one
// loads them without loading the compiler at all.
//
// Keep this path and `provider(type)` stable: every stack's state refers to them.
"use strict";

const { registerTypeScript } = require("../lib/compile-cache");

// In Pulumi's provider host (not in a test process that loads this file): end the host
// once the CLI that started it is gone (lib/orphan-guard.js). Its first argument is the
// engine's address.
if (/[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/.test((require.main && require.main.filename) || "")) {
    require("../lib/orphan-guard").exitWhenOrphaned(process.argv[2]);
}

const implementations = new Map();

/** The provider implementation for one resource type, made once per process. */
exports.provider = function provider(resourceType) {
    let implementation = implementations.get(resourceType);
    if (!implementation) {
        // A Pulumi program or a test process compiles TypeScript already.
        registerTypeScript();
        implementation = require("./implementations").implementationFor(resourceType);
        implementations.set(resourceType, implementation);
    }
    return implementation;
};
