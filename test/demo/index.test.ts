// `npm run demo`'s command line, through its main(argv, io) in process: --help, usage
// errors, and the seed and account it refuses before it starts anything. (The whole
// demo through the CLI is test/e2e/demo.test.ts.)

import { strict as assert } from "assert";
import * as os from "os";
import * as path from "path";

import { helpText } from "../../cli";
import { main, SPEC } from "../../demo";
import { memoryIo } from "../support/command-io";

describe("npm run demo, in process", () => {
    it("prints its usage and options for --help and exits 0", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "--help"], io), 0);
        assert.equal(io.out(), `${helpText(SPEC)}\n`);
        assert.match(io.out(), /^usage: npm run demo -- \[--yes\] \[--verbose\] \[--seed FILE\] \[--account UPN\] \[--keep\] \[--json\]\n/);
        for (const option of ["-y, --yes", "--verbose", "--seed FILE", "--account UPN", "--keep", "--json"])
            assert.ok(io.out().includes(`\n  ${option} `), option);
        assert.equal(io.err(), "");
    });

    it("exits 2 on a usage error, naming it, with the usage line, before starting anything", async () => {
        for (const [argv, problem] of [
            [["--", "--verbos"], 'unknown option "--verbos".'],
            [["--seed"], "--seed needs a value (FILE)."],
            [["--account", "--yes"], '--account needs a value (UPN); "--yes" is an option (write --account=--yes if it is the value).'],
            [["--yes=no"], '--yes takes no value; got "no".'],
        ] as const) {
            const io = memoryIo();
            assert.equal(await main(argv, io), 2, argv.join(" "));
            assert.equal(io.err(), `demo: ${problem}\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
        }
    });

    it("exits 1 on a seed it cannot read (relative to its working directory) or an account the seed lacks, before starting anything", async () => {
        const io = memoryIo({ cwd: os.tmpdir() });
        assert.equal(await main(["--seed=no-such-seed.json"], io), 1);
        assert.ok(io.err().startsWith(`demo: cannot read the seed ${path.join(os.tmpdir(), "no-such-seed.json")}: `), io.err());
        const account = memoryIo();
        assert.equal(await main(["--account", "nobody@contoso.onmicrosoft.com"], account), 1);
        assert.equal(account.err(), "demo: --account nobody@contoso.onmicrosoft.com: no user with that user principal name in the seed.\n");
    });
});
