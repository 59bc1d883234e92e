// The doctor's command line, through its main(argv, io) in process: --stacks, --all and
// --json, the help, and usage errors. (Whole runs through the CLI: test/e2e/doctor.test.ts.)

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { parseCommandLine } from "../../cli";
import { main, SPEC } from "../../doctor";
import { memoryIo } from "../support/command-io";

describe("doctor command line", () => {
    const read = (argv: string[]) => {
        const line = parseCommandLine(SPEC, argv);
        assert.notEqual(line, "help");
        return (line as Exclude<typeof line, "help">).values;
    };

    it("reads --stacks (names or patterns, comma-separated), --all and --json; --stack and -s stay as its old spellings", () => {
        assert.deepEqual(read(["--stacks", "contoso,fabrikam-*", "--json"]), { stacks: ["contoso", "fabrikam-*"], all: false, json: true });
        assert.deepEqual(read(["--stacks=fabrikam"]), { stacks: ["fabrikam"], all: false, json: false });
        assert.deepEqual(read(["--all"]), { stacks: [], all: true, json: false });
        assert.deepEqual(read([]), { stacks: [], all: false, json: false });
        assert.deepEqual(read(["--", "--all"]), { stacks: [], all: true, json: false }, "npm's separator is dropped");
        assert.deepEqual(read(["--stack", "contoso", "-s", "northwind", "--stack=fabrikam"]).stacks, ["contoso", "northwind", "fabrikam"]);
    });

    it("prints its usage and options for --help and exits 0, the old --stack not among them", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "--help"], io), 0);
        assert.match(io.out(), /^usage: npm run doctor -- \[--stacks NAME\[,NAME…\] \| --all\] \[--json\]\n/);
        for (const option of ["--stacks NAME[,NAME…]", "--all", "--json", "-h, --help"]) assert.ok(io.out().includes(`\n  ${option} `), option);
        assert.doesNotMatch(io.out(), /--stack /);
        assert.equal(io.err(), "");
    });

    it("exits 2 on a usage error, naming it, with the usage line, before opening the project", async () => {
        for (const [argv, problem] of [
            [["--verbose"], 'unknown option "--verbose".'],
            [["--stacks"], "--stacks needs a value (NAME[,NAME…])."],
            [["--stacks", "--json"], '--stacks needs a value (NAME[,NAME…]); "--json" is an option (write --stacks=--json if it is the value).'],
            [["--stack", "a", "--all"], "--all and --stacks exclude each other; give one."],
            [["--json=yes"], '--json takes no value; got "yes".'],
            [["contoso"], 'unexpected argument "contoso".'],
        ] as const) {
            const io = memoryIo({ cwd: "/nonexistent" });
            assert.equal(await main(argv, io), 2, argv.join(" "));
            assert.equal(io.err(), `doctor: ${problem}\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
            assert.equal(io.out(), "");
        }
    });

    it("exits 2 outside a project directory, saying where to run it", async () => {
        const directory = await fs.mkdtemp(path.join(os.tmpdir(), "doctor-no-project-"));
        try {
            const io = memoryIo({ cwd: directory });
            assert.equal(await main(["--all"], io), 2);
            assert.match(io.err(), /^doctor: .*doctor-no-project-\w+ has no Pulumi\.yaml; run the command from the project directory\.\nusage: npm run doctor/);
        } finally {
            await fs.rm(directory, { recursive: true });
        }
    });
});
