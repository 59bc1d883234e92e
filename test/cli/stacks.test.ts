// One stack selection for every command that works on stacks (cli/stacks.ts):
// --stacks with names or patterns, --all, or the selected stack where a command allows it.

import { strict as assert } from "assert";

import { selectStacks, stackSelector, UsageError } from "../../cli";

describe("cli: which stacks", () => {
    const existing = ["contoso", "fabrikam", "fabrikam-test", "organization/d365-backup-access/northwind"];

    it("reads --stacks, --all, or neither: the selected stack where the command allows it, a usage error elsewhere", () => {
        assert.deepEqual(stackSelector({ stacks: ["a", "b*"], all: false }, "required"), { kind: "listed", names: ["a", "b*"] });
        assert.deepEqual(stackSelector({ stacks: [], all: true }, "required"), { kind: "all" });
        assert.deepEqual(stackSelector({ stacks: [], all: false }, "selected"), { kind: "selected" });
        assert.throws(() => stackSelector({ stacks: [], all: false }, "required"), new UsageError("no stacks chosen; give --all or --stacks NAME[,NAME…]."));
        assert.throws(() => stackSelector({ stacks: ["a"], all: true }, "selected"), new UsageError("--all and --stacks exclude each other; give one."));
    });

    it("takes every stack with --all, in the backend's order", () => {
        assert.deepEqual(selectStacks({ kind: "all" }, existing), existing);
    });

    it("takes listed names and patterns, each stack once, matching qualified names by their last part", () => {
        assert.deepEqual(selectStacks({ kind: "listed", names: ["fabrikam*", "contoso", "fabrikam"] }, existing), ["contoso", "fabrikam", "fabrikam-test"]);
        assert.deepEqual(selectStacks({ kind: "listed", names: ["north?ind"] }, existing), ["organization/d365-backup-access/northwind"]);
        assert.deepEqual(selectStacks({ kind: "listed", names: ["fabrikam"] }, existing), ["fabrikam"], "a name without a wildcard matches only itself");
        assert.deepEqual(selectStacks({ kind: "listed", names: ["organization/d365-backup-access/northwind"] }, existing), [
            "organization/d365-backup-access/northwind",
        ]);
    });

    it("refuses names that match no stack, listing the stacks there are", () => {
        assert.throws(
            () => selectStacks({ kind: "listed", names: ["contoso", "adatum", "wood*"] }, existing),
            (error: unknown) =>
                error instanceof UsageError &&
                error.message === '--stacks: "adatum", "wood*" match no stack; the stacks are: contoso, fabrikam, fabrikam-test, northwind.',
        );
    });

    it("takes the selected stack when neither option is given, and says what to give when none is selected", () => {
        assert.deepEqual(selectStacks({ kind: "selected" }, existing, "fabrikam"), ["fabrikam"]);
        assert.throws(
            () => selectStacks({ kind: "selected" }, existing),
            /^UsageError: no stack is selected; give --stacks NAME \(one of contoso, fabrikam, fabrikam-test, northwind\) or --all\.$/,
        );
    });

    it("says so when the project has no stack at all, whatever was asked", () => {
        for (const selector of [{ kind: "all" }, { kind: "selected" }, { kind: "listed", names: ["a"] }] as const) {
            assert.throws(() => selectStacks(selector, []), /this project has no stacks in the backend; create one per tenant first/);
        }
    });
});
