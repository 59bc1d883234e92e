import { strict as assert } from "assert";

import { helpText, UsageError } from "../../cli";
import { DEFAULT_CONCURRENCY, parseOptions, SPEC } from "../../fleet/options";

const HELP = helpText(SPEC);

function refused(argv: string[], pattern: RegExp): void {
    assert.throws(
        () => parseOptions(argv),
        (error: unknown) => error instanceof UsageError && pattern.test(error.message),
    );
}

/** What neither command line below changes: the defaults of the other options. */
const UNCHANGED_DEFAULTS = {
    policyPack: true,
    force: false,
    refuseStackCustomEndpoints: false,
    continueOnError: true,
    refresh: false,
    parallel: undefined,
};

describe("fleet options", () => {
    it("reads a command, the stacks, the stage, the concurrency, --json and --log-dir", () => {
        assert.deepEqual(parseOptions(["--", "up", "--stacks", "a, b", "--stage", "Operational", "--concurrency", "4", "--json", "--log-dir", "logs"]), {
            command: "up",
            stacks: { kind: "listed", names: ["a", "b"] },
            stage: "operational",
            concurrency: 4,
            json: true,
            logDirectory: "logs",
            ...UNCHANGED_DEFAULTS,
        });
        assert.deepEqual(parseOptions(["status", "--all"]), {
            command: "status",
            stacks: { kind: "all" },
            stage: undefined,
            concurrency: DEFAULT_CONCURRENCY,
            json: false,
            logDirectory: undefined,
            ...UNCHANGED_DEFAULTS,
        });
    });

    it("refreshes first with --refresh, for preview and up only (recover refreshes anyway)", () => {
        for (const command of ["preview", "up"]) {
            assert.equal(parseOptions([command, "--all"]).refresh, false, command);
            assert.equal(parseOptions([command, "--all", "--refresh"]).refresh, true, command);
        }
        refused(["status", "--all", "--refresh"], /^--refresh applies to preview and up; status changes nothing to refresh before\.$/);
        refused(["check", "--all", "--refresh"], /^--refresh applies to preview and up; check changes nothing to refresh before\.$/);
        refused(["recover", "--all", "--refresh"], /^--refresh applies to preview and up; recover refreshes anyway\.$/);
        assert.match(HELP, /--refresh +preview and up: refresh from the tenant first/);
    });

    it("runs the policy pack unless --no-policy-pack, for preview, up and recover only", () => {
        for (const command of ["preview", "up", "recover"]) {
            assert.equal(parseOptions([command, "--all"]).policyPack, true, command);
            assert.equal(parseOptions([command, "--all", "--no-policy-pack"]).policyPack, false, command);
        }
        refused(["status", "--all", "--no-policy-pack"], /--no-policy-pack applies to preview, up and recover; status runs no policy pack\./);
    });

    it("continues past a failing environment in up and recover unless --stop-on-error, which only they take", () => {
        for (const command of ["up", "recover"]) {
            assert.equal(parseOptions([command, "--all"]).continueOnError, true, command);
            assert.equal(parseOptions([command, "--all", "--stop-on-error"]).continueOnError, false, command);
        }
        for (const command of ["status", "preview", "check"])
            refused([command, "--all", "--stop-on-error"], new RegExp(`--stop-on-error applies to up and recover; ${command} runs no update\\.`));
        assert.match(HELP, /--stop-on-error +up and recover: stop a tenant's update at its first failure/);
        assert.match(HELP, /up +`pulumi up --continue-on-error` per tenant/);
    });

    it("takes each tenant's --parallel for the commands that run Pulumi, else leaves it to the choice per tenant", () => {
        for (const command of ["status", "preview", "up", "recover"]) {
            assert.equal(parseOptions([command, "--all", "--parallel", "64"]).parallel, 64, command);
            assert.equal(parseOptions([command, "--all"]).parallel, undefined, command);
        }
        refused(["check", "--all", "--parallel", "8"], /--parallel applies to status, preview, up and recover; check runs no Pulumi command\./);
        for (const bad of ["0", "-1", "2.5", "many"])
            refused(["up", "--all", "--parallel", bad], new RegExp(`--parallel "${bad.replace(".", "\\.")}" is not a whole number of at least 1`));
        assert.match(HELP, /--parallel N +each tenant's pulumi --parallel \(default: chosen per tenant from its number of environments,/);
    });

    it("reads recover, with --force, and refuses --stage for it (it uses the stack's own stage)", () => {
        const options = parseOptions(["recover", "--stacks", "contoso", "--force"]);
        assert.deepEqual([options.command, options.force, options.stage], ["recover", true, undefined]);
        refused(
            ["recover", "--all", "--stage", "operational"],
            /--stage applies to preview and up; recover brings each tenant to the stage its stack is configured for\./,
        );
        for (const command of ["status", "preview", "up"]) refused([command, "--all", "--force"], /--force applies to recover only\./);
    });

    it("reads check, the pre-run check for CI, and refuses the options of the commands that run something", () => {
        const options = parseOptions(["--", "check", "--stacks", "contoso"]);
        assert.deepEqual([options.command, options.stacks], ["check", { kind: "listed", names: ["contoso"] }]);
        refused(["check", "--stacks", "contoso", "--stage", "operational"], /--stage applies to preview and up; check reads the stack as it is\./);
        refused(["check", "--all", "--no-policy-pack"], /--no-policy-pack applies to preview, up and recover; check runs no policy pack\./);
        refused(["check", "--all", "--force"], /--force applies to recover only\./);
        assert.equal(parseOptions(["check", "--all", "--no-stack-custom-endpoints"]).refuseStackCustomEndpoints, true);
        refused(["preview", "--all", "--no-stack-custom-endpoints"], /--no-stack-custom-endpoints applies to check only\./);
    });

    it("refuses an unknown or missing command", () => {
        refused(["destroy", "--all"], /unknown command "destroy"; expected one of status, preview, up, recover, check\./);
        refused([], /no command given/);
        refused(["--all"], /no command given/);
    });

    it("refuses a stage that is not one of the program's stages, naming them", () => {
        refused(["up", "--all", "--stage", "promote"], /--stage "promote" is not a stage; expected one of bootstrap, operational, reauth\./);
        refused(["status", "--all", "--stage", "operational"], /--stage applies to preview and up/);
    });

    it("reads --flag=value as --flag value, and --stacks given again as more stacks", () => {
        const options = parseOptions(["up", "--stacks=a", "--stage=operational", "--concurrency=3", "--stacks", "b,c*", "--log-dir=logs"]);
        assert.deepEqual(
            [options.stacks, options.stage, options.concurrency, options.logDirectory],
            [{ kind: "listed", names: ["a", "b", "c*"] }, "operational", 3, "logs"],
        );
    });

    it("refuses a concurrency that is not a whole number from 1 to 32", () => {
        for (const bad of ["0", "-1", "2.5", "many", "33"])
            refused(["up", "--all", "--concurrency", bad], new RegExp(`--concurrency "${bad.replace(".", "\\.")}" is not a whole number from 1 to 32`));
        refused(["up", "--all", "--concurrency"], /--concurrency needs a value/);
    });

    it("wants exactly one of --all and --stacks, and no unknown option", () => {
        refused(["status"], /no stacks chosen; give --all or --stacks/);
        refused(["status", "--all", "--stacks", "a"], /--all and --stacks exclude each other/);
        refused(["status", "--stacks", "a,,b"], /--stacks "a,,b" has an empty item; expected NAME\[,NAME…\]\./);
        refused(["status", "--all", "--parallelism", "3"], /unknown option "--parallelism"/);
    });
});
