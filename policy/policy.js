// The policy pack's entry (package.json "main").
//
// Pulumi's policy host registers ts-node for every pack, with a language service, before
// it loads the pack: about 1.7 s of every preview and update on 2 cores (a one-environment
// preview took 1.9 s, and 3.6 s with the pack). Inside this project the pack's files load
// through the compile cache the program uses (lib/compile-cache.js), which takes over
// from that ts-node: each file compiled once, stack traces still at the .ts line.
// Published alone (`pulumi policy publish` uploads this directory only), no cache is
// beside it, and ts-node compiles the pack as Pulumi set it up.
"use strict";

let compileCache;
try {
    compileCache = require("../lib/compile-cache");
} catch (error) {
    if (error.code !== "MODULE_NOT_FOUND") throw error;
}
if (compileCache) compileCache.registerTypeScript({ replaceTsNode: true });

module.exports = require("./index.ts");
