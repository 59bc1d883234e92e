// The suite itself: what `npm test` runs (.mocharc.json, through run-suite.ts), and where
// each test is. Tests mirror the code, so the test of a file is found by its name:
//
//   lib/environment-plan.ts            test/lib/environment-plan.test.ts
//   providers/transport/settings/*.ts  test/providers/transport/settings.test.ts (a folder
//                                      of modules that do one job together: one test)
//   index.ts (the program)             test/index/*.test.ts (several files: a folder)
//   test/support/markdown.ts           test/support/markdown.test.ts (a helper's own test)
//   .github/workflows/tenants.yml      test/workflows/tenants.test.ts
//
// A product file with no test by its name is listed below, with where it is exercised
// instead or why it needs no test of its own; a new file gets a test or a line here.
// The end-to-end suite (test/e2e/, `npm run test:e2e`) is organised by scenario.

import { strict as assert } from "assert";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

const EVERY_EMULATOR_TEST = "exercised by every test under test/emulator/";

/** Product files with no test by their name: where each is exercised, or why it needs no test of its own. */
const WITHOUT_TEST_OF_ITS_OWN: Record<string, string> = {
    "bench/cli-benchmark.ts": "a benchmark (.ci/run runs it small); its command line and table: test/bench/options.test.ts",
    "bench/fleet-benchmark.ts": "a benchmark (.ci/run runs it small); its command line and table: test/bench/options.test.ts",
    "bench/process-memory.ts": "the benchmarks' memory figures, run by .ci/run",
    "bench/providers-benchmark.ts": "a benchmark: prints figures for providers/README.md, asserts nothing",
    "bench/refusing-dataverse.ts": "a benchmark; its command line: test/bench/options.test.ts",
    "cli/index.ts": "re-exports only",
    "cli/io.ts": "types, and the process's own streams (tests pass test/support/command-io.ts instead)",
    "cli/project.ts": "test/doctor/index.test.ts (outside a project); whole runs: test/e2e/doctor.test.ts, fleet.test.ts",
    "bench/tenant.ts": "the benchmarks' generated tenants, run by .ci/run",
    "doctor/check-result.ts": "the checks' shared helpers: test/doctor/checks.test.ts",
    "doctor/graph-permissions.ts": "data and one decision per permission: test/doctor/checks.test.ts",
    "doctor/probes.ts": "against the emulator: test/doctor/run.test.ts",
    "doctor/stack-config.ts": "reads stacks through the Pulumi CLI: test/e2e/doctor.test.ts",
    "doctor/tenant-reads.ts": "against the emulator: test/doctor/run.test.ts",
    "emulator/core/http.ts": "types only",
    "emulator/core/odata-filter.ts": "$filter of Graph and Dataverse: test/emulator/services/graph.test.ts, dataverse.test.ts",
    "emulator/core/origin.ts": EVERY_EMULATOR_TEST,
    "emulator/core/paging.ts": "test/emulator/services/bap.test.ts, graph.test.ts",
    "emulator/core/request-log.ts": "test/emulator/inspection.test.ts",
    "emulator/core/router.ts": EVERY_EMULATOR_TEST,
    "emulator/data/directory.ts": "data only",
    "emulator/data/graph-permissions.ts": "data only",
    "emulator/data/standard-roles.ts": "data only",
    "emulator/env-file.ts": "test/emulator/cli.test.ts",
    "emulator/ids.ts": EVERY_EMULATOR_TEST,
    "emulator/index.ts": EVERY_EMULATOR_TEST,
    "emulator/seed/behaviour.ts": "test/emulator/core/faults.test.ts, throttle.test.ts",
    "emulator/seed/reader.ts": "seed validation: test/emulator/inspection.test.ts and test/emulator/seed/",
    "emulator/seed/types.ts": "types only",
    "emulator/seed/validate.ts": "seed validation: test/emulator/inspection.test.ts and test/emulator/seed/",
    "emulator/services/deps.ts": "types only",
    "emulator/services/throttling.ts": "test/emulator/core/throttle.test.ts",
    "emulator/tenant/dataverse-catalog.ts": "test/emulator/services/dataverse.test.ts",
    "emulator/tenant/tenant.ts": EVERY_EMULATOR_TEST,
    "emulator/tools/measure-startup.ts": "a measurement, run by hand",
    "fleet/project.ts": "opens the project through the Automation API: test/e2e/fleet.test.ts",
    "fleet/stack-settings.ts": "test/fleet/tenant-status.test.ts",
    "lib/directory-roles.ts": "constants only",
    "lib/ids.ts": "patterns only",
    "lib/service-account-access.ts": "the component, in the whole program under runtime mocks: test/index/",
    "lib/stack-settings.ts": "test/fleet/tenant-status.test.ts, pre-run-check.test.ts, test/doctor/run.test.ts",
    "policy/index.ts": "the pack's entry point (constructing it starts its server): test/e2e/policy.test.ts",
    "policy/resources.ts": "against the program's registrations: test/policy/policies.test.ts",
    "providers/clients/dataverse.ts": "test/providers/resources/",
    "providers/clients/directory-reads.ts": "test/fleet/tenant-status.test.ts, test/doctor/run.test.ts",
    "providers/clients/directory-user.ts": "test/doctor/run.test.ts",
    "providers/clients/environment-kinds.ts": "test/providers/clients/environment-access.test.ts, test/lib/environment-plan.test.ts",
    "providers/clients/operator.ts": "test/providers/resources/environment-user.test.ts",
    "providers/clients/pim.ts": "test/providers/resources/time-bound-role-assignment.test.ts",
    "providers/hosting/provider-runtime.ts": "test/providers/hosting/hosted-provider.test.ts",
    "providers/index.ts": "re-exports only",
    "providers/transport/booleans.ts": "test/providers/transport/settings.test.ts",
    "providers/transport/clouds.ts": "test/providers/transport/settings.test.ts",
    "providers/transport/durations.ts": "in messages: test/providers/transport/http.test.ts, polling.test.ts",
    "providers/transport/errors.ts": "every test of an error's kind and words, e.g. test/providers/transport/http.test.ts",
    "providers/transport/ids.ts": "patterns only",
    "workspace/fleet-workspace.ts": "the end-to-end suite's fleet workspace: test/e2e/fleet.test.ts",
    "workspace/loopback.ts": "test/e2e/azuread-stand-in/stand-in.test.ts; npm run prepare-shell in test/e2e/by-hand.test.ts",
    "workspace/project-workspace.ts": "every end-to-end test",
    "workspace/pulumi-home.ts": "every end-to-end test",
    "workspace/pulumi-workspace.ts": "every end-to-end test",
};

const posix = (file: string) => file.split(path.sep).join("/");
const exists = (file: string) => existsSync(path.join(ROOT, file));
const isDirectory = (file: string) => exists(file) && statSync(path.join(ROOT, file)).isDirectory();
const withoutExtension = (file: string) => file.replace(/\.[^./]+$/, "");

/** Every file under `directory` (repository-relative), recursively. */
function filesUnder(directory: string): string[] {
    return readdirSync(path.join(ROOT, directory), { withFileTypes: true }).flatMap((entry) => {
        const file = `${directory}/${entry.name}`;
        return entry.isDirectory() ? filesUnder(file) : [file];
    });
}

/** The product's TypeScript files: what tsconfig.json compiles, tests aside. */
function productFiles(): string[] {
    const read = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    if (read.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT);
    return parsed.fileNames
        .map((file) => posix(path.relative(ROOT, file)))
        .filter((file) => !file.startsWith("test/") && !file.endsWith(".d.ts"))
        .sort();
}

/** The unit and in-process tests: every test file outside test/e2e/. */
function unitTests(): string[] {
    return filesUnder("test")
        .filter((file) => file.endsWith(".test.ts") && !file.startsWith("test/e2e/"))
        .sort();
}

/**
 * The tests named after a product file: test/<path>.test.ts, the tests in test/<path>/,
 * or the test of the folder it is in (test/<folder>.test.ts) for a folder inside a part
 * of the project (providers/transport/settings/, not providers/).
 */
function testsByName(file: string): string[] {
    const stem = withoutExtension(file);
    const folder = path.posix.dirname(file);
    return [
        ...(exists(`test/${stem}.test.ts`) ? [`test/${stem}.test.ts`] : []),
        ...(isDirectory(`test/${stem}`) ? filesUnder(`test/${stem}`).filter((test) => test.endsWith(".test.ts")) : []),
        ...(folder.includes("/") && exists(`test/${folder}.test.ts`) ? [`test/${folder}.test.ts`] : []),
    ];
}

/** What a test file is named after, or undefined when it names nothing there is. */
function subjectOf(test: string): string | undefined {
    const named = test.slice("test/".length, -".test.ts".length);
    // A test helper's own test sits beside it (test/support/markdown.ts).
    if (exists(`test/${named}.ts`)) return `test/${named}.ts`;
    if (named.startsWith("workflows/") && exists(`.github/${named}.yml`)) return `.github/${named}.yml`;
    if (isDirectory(named)) return `${named}/`;
    const folder = path.posix.dirname(named);
    const file = isDirectory(folder) ? readdirSync(path.join(ROOT, folder)).find((name) => withoutExtension(name) === path.posix.basename(named)) : undefined;
    if (file && !isDirectory(`${folder}/${file}`)) return folder === "." ? file : `${folder}/${file}`;
    // One of several tests of a file, in a folder named after it (test/index/ for index.ts).
    const segments = named.split("/");
    for (let i = segments.length - 1; i > 0; i--) {
        const owner = segments.slice(0, i).join("/");
        if (exists(`${owner}.ts`)) return `${owner}.ts`;
    }
    return undefined;
}

describe("the test suite", () => {
    it("runs every test file outside test/e2e/ and none inside it, as .mocharc.json says", () => {
        const config = JSON.parse(readFileSync(path.join(ROOT, ".mocharc.json"), "utf8"));
        // Mocha's own lookup of spec files, so that the answer is the one `npm test` gets.
        const collectFiles = require("mocha/lib/cli/collect-files");
        const { files } = collectFiles({
            spec: config.spec.map((spec: string) => path.join(ROOT, spec)),
            ignore: (config.ignore ?? []).map((pattern: string) => path.join(ROOT, pattern)),
            extension: config.extension,
            recursive: config.recursive,
            file: [],
            sort: true,
        });
        const run = (files as string[]).map((file) => posix(path.relative(ROOT, file))).sort();
        assert.deepEqual(run, unitTests());
        assert.ok(
            filesUnder("test/e2e").some((file) => file.endsWith(".test.ts")),
            "the end-to-end tests are there, and left to npm run test:e2e",
        );
    });

    it("has a test named after every product file, or lists the file with where it is exercised", () => {
        const missing = productFiles().filter((file) => testsByName(file).length === 0 && !(file in WITHOUT_TEST_OF_ITS_OWN));
        assert.deepEqual(
            missing,
            [],
            `Files without a test by their name. Add test/<path>.test.ts next to the others, or list the file in ` +
                `WITHOUT_TEST_OF_ITS_OWN (test/run-suite.test.ts) with where it is exercised or why it needs no test.`,
        );
    });

    it("lists only product files that still have no test by their name", () => {
        const products = new Set(productFiles());
        const stale = Object.keys(WITHOUT_TEST_OF_ITS_OWN).flatMap((file) =>
            !products.has(file)
                ? [`${file}: no such product file`]
                : testsByName(file).length > 0
                  ? [`${file}: tested by ${testsByName(file).join(", ")}`]
                  : [],
        );
        assert.deepEqual(stale, [], "remove these from WITHOUT_TEST_OF_ITS_OWN (test/run-suite.test.ts)");
    });

    it("names every test outside test/e2e/ after the file or folder it tests", () => {
        const unnamed = unitTests().filter((test) => subjectOf(test) === undefined);
        assert.deepEqual(unnamed, [], "Tests named after nothing in the project: move each to test/<path of the file it mainly tests>.test.ts.");
    });
});
