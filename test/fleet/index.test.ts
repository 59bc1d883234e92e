// The fleet command's main(argv, io) in process: its help and usage errors. (Its options
// on their own: test/fleet/options.test.ts; whole runs through the CLI: test/e2e/fleet.test.ts.)

import { strict as assert } from "assert";

import { helpText } from "../../cli";
import { main } from "../../fleet";
import { SPEC } from "../../fleet/options";
import { memoryIo } from "../support/command-io";

const HELP = helpText(SPEC);

describe("fleet main, in process", () => {
    it("prints its usage, its commands and every option for --help, and exits 0", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "--help"], io), 0);
        assert.equal(io.out(), `${HELP}\n`);
        assert.match(io.out(), /^usage: npm run fleet -- <command> \(--all \| --stacks NAME\[,NAME…\]\) \[options\]\n/);
        for (const command of ["check", "status", "preview", "up", "recover"]) assert.match(io.out(), new RegExp(`^  ${command} +\\S`, "m"), command);
        for (const option of [
            "--stacks NAME[,NAME…]",
            "--all",
            "--stage STAGE",
            "--concurrency N",
            "--json",
            "--log-dir DIR",
            "--no-policy-pack",
            "--stop-on-error",
            "--parallel N",
            "--force",
            "--no-stack-custom-endpoints",
        ]) {
            assert.ok(io.out().includes(`\n  ${option}`), option);
        }
        assert.equal(io.err(), "");
    });

    it("exits 2 on a usage error, naming it, with the usage line, before opening the project", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "status", "--all", "--parallelism", "3"], io), 2);
        assert.equal(io.err(), `fleet: unknown option "--parallelism".\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
        assert.equal(io.out(), "");
        const missing = memoryIo();
        assert.equal(await main(["up", "--all", "--concurrency"], missing), 2);
        assert.match(missing.err(), /^fleet: --concurrency needs a value \(N\)\.\nusage: npm run fleet/);
    });
});
