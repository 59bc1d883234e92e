// The rules every command's command line follows (cli/command.ts), on a command made
// for the test: npm's `--`, `--flag=value`, lists, usage errors that exit 2 naming the
// option with the usage line, --help, and the exit status of what goes wrong after.

import { strict as assert } from "assert";

import { command, CommandSpec, helpText, OptionSpecs, parseCommandLine, UsageError, wholeNumber } from "../../cli";
import { memoryIo } from "../support/command-io";

const SPEC = {
    name: "sample",
    usage: "npm run sample -- <what> --seed FILE [--stacks NAME[,NAME…]] [--yes] [--json]",
    description: "A command made for this test.",
    details: "whats:\n  one    the first\n  two    the second",
    positionals: 1,
    options: {
        seed: { type: "string", value: "FILE", help: "the seed" },
        stacks: { type: "string", list: true, value: "NAME[,NAME…]", help: "these stacks\n(more than one, comma-separated)" },
        stack: { type: "string", list: true, short: "s", aliasOf: "stacks" },
        yes: { type: "boolean", short: "y", help: "go on at once" },
        json: { type: "boolean", help: "JSON" },
        "a-very-long-option-name": { type: "boolean", help: "its help on the next line" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

function read(argv: string[]) {
    const line = parseCommandLine(SPEC, argv);
    assert.notEqual(line, "help", "not --help");
    return line as Exclude<typeof line, "help">;
}

function refused(argv: string[], message: string): void {
    assert.throws(
        () => parseCommandLine(SPEC, argv),
        (error: unknown) => error instanceof UsageError && error.message === message,
        argv.join(" "),
    );
}

describe("cli: reading a command line", () => {
    it("gives every option its default when none is given: switches false, lists empty, values undefined", () => {
        assert.deepEqual(read([]), { values: { seed: undefined, stacks: [], yes: false, json: false, "a-very-long-option-name": false }, positionals: [] });
    });

    it("drops npm's `--` before the arguments (one or more), and reads the same line without it", () => {
        const expected = read(["one", "--seed", "s.json", "--yes"]);
        assert.deepEqual(read(["--", "one", "--seed", "s.json", "--yes"]), expected);
        assert.deepEqual(read(["--", "--", "one", "--seed", "s.json", "--yes"]), expected);
    });

    it("reads --flag=value as --flag value, short options, and a value with = in it", () => {
        assert.deepEqual(read(["--seed=s.json", "-y"]).values, read(["--seed", "s.json", "--yes"]).values);
        assert.equal(read(["--seed=a=b.json"]).values.seed, "a=b.json");
        assert.equal(read(["--seed=--odd"]).values.seed, "--odd", "= takes a value that starts with a dash");
        assert.equal(read(["--seed", "-"]).values.seed, "-", "a lone dash is a value");
    });

    it("reads a list option's values separated by commas, trimmed, adding up when given again (also through its alias)", () => {
        assert.deepEqual(read(["--stacks", "a, b", "--stacks=c*", "--stack", "d", "-s", "e"]).values.stacks, ["a", "b", "c*", "d", "e"]);
    });

    it("takes as many words as the command declares, and a word after a later `--` as a word", () => {
        assert.deepEqual(read(["one", "--json"]).positionals, ["one"]);
        assert.deepEqual(read(["--json", "--", "--two"]).positionals, ["--two"]);
    });

    it("refuses an unknown option by name, long or short, with or without a value", () => {
        refused(["--verbose"], 'unknown option "--verbose".');
        refused(["--verbose=yes"], 'unknown option "--verbose".');
        refused(["-q"], 'unknown option "-q".');
        refused(["-yq"], 'unknown option "-q".');
    });

    it("refuses a missing value, and an option where the value should be", () => {
        refused(["--seed"], "--seed needs a value (FILE).");
        refused(["--seed="], "--seed needs a value (FILE).");
        refused(["--seed", "--json"], '--seed needs a value (FILE); "--json" is an option (write --seed=--json if it is the value).');
        refused(["--seed", "-y"], '--seed needs a value (FILE); "-y" is an option (write --seed=-y if it is the value).');
        refused(["--stacks", "a,,b"], '--stacks "a,,b" has an empty item; expected NAME[,NAME…].');
    });

    it("refuses a value given to a switch, and a word more than the command takes", () => {
        refused(["--yes=no"], '--yes takes no value; got "no".');
        refused(["one", "two"], 'unexpected argument "two".');
    });

    it("asks for the help on --help or -h, wherever it is and whatever else is wrong", () => {
        assert.equal(parseCommandLine(SPEC, ["--", "--help"]), "help");
        assert.equal(parseCommandLine(SPEC, ["one", "--bogus", "-h"]), "help");
    });

    it("reads a whole number in a range, naming the option and the value otherwise", () => {
        assert.equal(wholeNumber("--n", "3", 1, 32), 3);
        assert.equal(wholeNumber("--n", "0", 0), 0);
        for (const bad of ["-1", "2.5", "many", "", "33", " 3"]) {
            assert.throws(() => wholeNumber("--n", bad, 1, 32), new UsageError(`--n ${JSON.stringify(bad)} is not a whole number from 1 to 32.`));
        }
        assert.throws(() => wholeNumber("--n", "0", 1), /--n "0" is not a whole number of at least 1\./);
    });
});

describe("cli: the help", () => {
    it("prints the usage line, the description, the details and one entry per option, aliases hidden, --help last", () => {
        assert.equal(
            helpText(SPEC),
            [
                "usage: npm run sample -- <what> --seed FILE [--stacks NAME[,NAME…]] [--yes] [--json]",
                "",
                "A command made for this test.",
                "",
                "whats:",
                "  one    the first",
                "  two    the second",
                "",
                "options:",
                "  --seed FILE             the seed",
                "  --stacks NAME[,NAME…]   these stacks",
                "                          (more than one, comma-separated)",
                "  -y, --yes               go on at once",
                "  --json                  JSON",
                "  --a-very-long-option-name",
                "                          its help on the next line",
                "  -h, --help              print this help and exit",
            ].join("\n"),
        );
    });
});

describe("cli: a command's main", () => {
    const seen: unknown[] = [];
    const main = command(SPEC, async (commandLine, io) => {
        seen.push(commandLine);
        if (commandLine.positionals[0] === "two") throw new UsageError("two is not ready; give one.");
        if (commandLine.values.seed === "broken")
            throw new Error("the seed is broken: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ");
        io.stdout.write("done\n");
        return commandLine.values.json ? 1 : 0;
    });

    it("runs the body with the command line read and returns its status", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "one", "--seed=s.json"], io), 0);
        assert.equal(io.out(), "done\n");
        assert.equal(await main(["one", "--seed", "s.json", "--json"], memoryIo()), 1);
    });

    it("prints the help on standard output and exits 0 for --help, without running the body", async () => {
        seen.length = 0;
        const io = memoryIo();
        assert.equal(await main(["--help"], io), 0);
        assert.equal(io.out(), `${helpText(SPEC)}\n`);
        assert.equal(io.err(), "");
        assert.deepEqual(seen, []);
    });

    it("exits 2 on a usage error, with the problem, the usage line and where to read more on standard error, without running the body", async () => {
        seen.length = 0;
        const io = memoryIo();
        assert.equal(await main(["one", "--bogus"], io), 2);
        assert.equal(io.err(), `sample: unknown option "--bogus".\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
        assert.equal(io.out(), "");
        assert.deepEqual(seen, []);
    });

    it("exits 2 the same way on a usage error the body finds", async () => {
        const io = memoryIo();
        assert.equal(await main(["two"], io), 2);
        assert.equal(io.err(), `sample: two is not ready; give one.\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
    });

    it("exits 1 on any other error, with the command's name and the message, tokens removed", async () => {
        const io = memoryIo();
        assert.equal(await main(["one", "--seed", "broken"], io), 1);
        assert.equal(io.err(), "sample: the seed is broken: Bearer [redacted token]\n");
    });
});
