// The benchmarks' command lines (`npm run bench`, `npm run bench:fleet`,
// bench/refusing-dataverse.ts) through their main(argv, io) in process, and their
// tables. Only refusals and help run here: a valid command line starts a benchmark.

import { strict as assert } from "assert";

import { helpText } from "../../cli";
import * as cliBenchmark from "../../bench/cli-benchmark";
import * as fleetBenchmark from "../../bench/fleet-benchmark";
import * as refusingDataverse from "../../bench/refusing-dataverse";
import { recommendedParallel } from "../../lib/parallelism";
import { memoryIo } from "../support/command-io";

const COMMANDS = [
    { command: cliBenchmark, usage: /^usage: npm run bench -- \[--sizes 1,10,100,300\]/, list: "--sizes", count: "--latency-ms" },
    { command: fleetBenchmark, usage: /^usage: npm run bench:fleet -- \[--tenants 6\]/, list: "--concurrency", count: "--tenants" },
    {
        command: refusingDataverse,
        usage: /^usage: node -r ts-node\/register\/transpile-only bench\/refusing-dataverse\.ts/,
        list: undefined,
        count: "--environments",
    },
];

describe("the benchmarks' command lines, in process", () => {
    for (const { command, usage, list, count } of COMMANDS) {
        describe(command.SPEC.name, () => {
            it("prints its usage and options for --help and exits 0", async () => {
                const io = memoryIo();
                assert.equal(await command.main(["--help"], io), 0);
                assert.equal(io.out(), `${helpText(command.SPEC)}\n`);
                assert.match(io.out(), usage);
                assert.ok(io.out().includes(`\n  ${count} `), count);
            });

            it("exits 2 naming an unknown option, a missing value and a number that is not one, with the usage line", async () => {
                const cases: [string[], string][] = [
                    [["--bogus"], 'unknown option "--bogus".'],
                    [[count], `${count} needs a value (${count === "--latency-ms" ? "MS" : "N"}).`],
                    [[`${count}=lots`], `${count} "lots" is not a whole number of at least ${count === "--latency-ms" ? 0 : 1}.`],
                ];
                if (list) cases.push([[list, "1,0"], `${list} "0" is not a whole number of at least 1.`]);
                for (const [argv, problem] of cases) {
                    const io = memoryIo();
                    assert.equal(await command.main(argv, io), 2, argv.join(" "));
                    assert.equal(io.err(), `${command.SPEC.name}: ${problem}\nusage: ${command.SPEC.usage}\nRun it with --help for every option.\n`);
                    assert.equal(io.out(), "");
                }
            });
        });
    }
});

describe("the benchmarks' tables", () => {
    it("npm run bench: Markdown, the step left-aligned, the figures right-aligned", () => {
        const row = {
            environments: 10,
            step: "bootstrap",
            seconds: 12.3,
            startUpSeconds: 2.1,
            parallel: 8,
            stateFormat: "json" as const,
            boundSeconds: 10,
            ratio: 1.23,
            requestsPerEnvironment: 6,
            graphRequests: 9,
            throttled: 0,
            stateKiB: 40,
            cliPeakMiB: 120,
            programPeakMiB: 150,
            providerPeakMiB: 80,
        };
        assert.equal(
            cliBenchmark.benchTable([row, { ...row, stateFormat: "zstd", step: "refresh", startUpSeconds: null, boundSeconds: null, ratio: null }]),
            [
                "| envs | parallel | state | step      | seconds | start-up s | bound s | ratio | req/env | graph | 429s | state KiB | CLI MiB | program MiB | provider MiB |",
                "|-----:|---------:|:------|:----------|--------:|-----------:|--------:|------:|--------:|------:|-----:|----------:|--------:|------------:|-------------:|",
                "|   10 |        8 | json  | bootstrap |    12.3 |        2.1 |    10.0 |  1.23 |     6.0 |     9 |    0 |        40 |     120 |         150 |           80 |",
                "|   10 |        8 | zstd  | refresh   |    12.3 |          - |       - |     - |     6.0 |     9 |    0 |        40 |     120 |         150 |           80 |",
            ].join("\n"),
        );
    });

    it("npm run bench: each size runs with the --parallel recommended for it, unless one is asked for", () => {
        assert.equal(cliBenchmark.parallelFlag(10, undefined), undefined, "Pulumi's default for a small tenant");
        assert.equal(cliBenchmark.parallelFlag(1000, undefined), recommendedParallel(1000));
        assert.ok(recommendedParallel(1000)! > 8);
        assert.equal(cliBenchmark.parallelFlag(1000, 8), 8);
        assert.equal(cliBenchmark.parallelFlag(10, 32), 32);
    });

    it("npm run bench: each size writes its state as recommended for it (zstd above 50 environments), unless a format is asked for", () => {
        assert.equal(cliBenchmark.stateFormat(10, "recommended"), "json");
        assert.equal(cliBenchmark.stateFormat(50, "recommended"), "json");
        assert.equal(cliBenchmark.stateFormat(51, "recommended"), "zstd");
        assert.equal(cliBenchmark.stateFormat(1000, "recommended"), "zstd");
        assert.equal(cliBenchmark.stateFormat(1000, "json"), "json");
        assert.equal(cliBenchmark.stateFormat(10, "zstd"), "zstd");
    });

    it("npm run bench: refuses a state format it does not know, naming the choices", async () => {
        const io = memoryIo();
        assert.equal(await cliBenchmark.main(["--state", "gzip"], io), 2);
        assert.ok(io.err().startsWith('bench: --state "gzip" is not one of recommended, json, zstd.\n'), io.err());
    });

    it("npm run bench:fleet: Markdown, the step left-aligned, the figures right-aligned", () => {
        const row = {
            concurrency: 2,
            tenants: 6,
            environmentsPerTenant: 3,
            step: "up" as const,
            seconds: 53,
            tenantsPerMinute: 6.8,
            failed: 0,
            cpuSecondsPerTenant: 11.9,
            sampledCpuSecondsPerTenant: null,
        };
        assert.equal(
            fleetBenchmark.fleetBenchTable([row]),
            [
                "| concurrency | tenants | envs/tenant | step | seconds | tenants/min | CPU s/tenant | sampled CPU s | failed |",
                "|------------:|--------:|------------:|:-----|--------:|------------:|-------------:|--------------:|-------:|",
                "|           2 |       6 |           3 | up   |    53.0 |         6.8 |         11.9 |             - |      0 |",
            ].join("\n"),
        );
    });
});
