// TEST-ONLY: how the generated plugin launcher starts the stand-in (workspace/pulumi-home.ts).
// Through the project's compile cache rather than ts-node, so that the engine's wait for
// the azuread plugin is not mostly the stand-in compiling itself, which the real plugin
// never does: the benchmark's start-up figures then stay close to a real user's.
"use strict";

require("../../../lib/compile-cache").registerTypeScript();
require("./main.ts");

// A stand-in whose CLI was killed (the crash test kills twenty) ends itself as our own
// provider hosts do, so that a test run does not leave a host per kill behind.
require("../../../lib/orphan-guard").exitWhenOrphaned(process.argv.slice(2).find((arg) => !arg.startsWith("-")));
