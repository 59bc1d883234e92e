// The program's entry, as Pulumi.yaml names it (`main: program.js`, `typescript: false`).
//
// Pulumi would otherwise start ts-node and compile index.ts and everything it imports
// on every command, about 1.4 s of CPU before the program's first line runs. Here the
// compiled files come from the cache both this process and the provider host share
// (lib/compile-cache.js); stack traces still name the .ts files. Nor does @pulumi/pulumi
// load the compiler it only needs to serialize functions, which the program never does.
"use strict";

const compileCache = require("./lib/compile-cache");
compileCache.registerTypeScript();
compileCache.deferPulumiTypeScript();

module.exports = require("./index.ts");
