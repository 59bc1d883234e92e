// `npm run prepare-shell`'s command line through its main(argv, io) in process: --help
// and usage errors. (Preparing a shell for real: test/e2e/by-hand.test.ts.)

import { strict as assert } from "assert";

import { helpText } from "../../cli";
import { main, SPEC } from "../../scripts/prepare-shell";
import { memoryIo } from "../support/command-io";

describe("npm run prepare-shell, in process", () => {
    it("prints its usage and options for --help and exits 0", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "--help"], io), 0);
        assert.equal(io.out(), `${helpText(SPEC)}\n`);
        assert.match(io.out(), /^usage: npm run prepare-shell -- \[--pulumi-home DIR\] \[--env-file FILE\]\n/);
        for (const option of ["--pulumi-home DIR", "--env-file FILE"]) assert.ok(io.out().includes(`\n  ${option} `), option);
    });

    it("exits 2 on a usage error, naming it, with the usage line, before preparing anything", async () => {
        for (const [argv, problem] of [
            [["--", "--home", "x"], 'unknown option "--home".'],
            [["--env-file"], "--env-file needs a value (FILE)."],
            [
                ["--pulumi-home", "--env-file=x.env"],
                '--pulumi-home needs a value (DIR); "--env-file=x.env" is an option (write --pulumi-home=--env-file=x.env if it is the value).',
            ],
            [["home"], 'unexpected argument "home".'],
        ] as const) {
            const io = memoryIo();
            assert.equal(await main(argv, io), 2, argv.join(" "));
            assert.equal(io.err(), `prepare-shell: ${problem}\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
        }
    });
});
