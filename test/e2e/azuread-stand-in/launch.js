// TEST-ONLY: how the generated plugin launcher starts the stand-in (workspace/pulumi-home.ts).
// Through the project's compile cache rather than ts-node, so that the engine's wait for
// the azuread plugin is not mostly the stand-in compiling itself, which the real plugin
// never does: the benchmark's start-up figures then stay close to a real user's.
"use strict";

require("../../../lib/compile-cache").registerTypeScript();
require("./main.ts");
