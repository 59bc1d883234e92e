// `npm run demo`: the main job, start to finish, through the real Pulumi CLI (the
// pinned version) against the tenant emulator as an embedded tenant, in a throwaway
// workspace (its own stack, local backend, passphrase secrets, its own PULUMI_HOME):
// the runbook (docs/runbook.md), step by step, and at the end what the tenant itself says the
// account held after each stage, with the environments the program skipped and why.
//
//   npm run demo [-- --yes] [--verbose] [--seed FILE] [--account UPN] [--keep] [--json]
//
// Exit status: 0 when the procedure ran through, 1 when a step failed, 2 for a wrong
// command line, 130 when interrupted (the emulator stopped, the workspace removed).

import { promises as fs } from "fs";
import * as path from "path";
import * as readline from "readline";

import { command, CommandIo, CommandSpec, EXIT_OK, OptionSpecs, Progress, progressFor, runMain, Task } from "../cli";
import { RunningEmulator, startEmulator, TenantState } from "../emulator";
import { GLOBAL_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../lib/directory-roles";
import type { SkippedEnvironment } from "../lib/environment-plan";
import { messageOf, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../providers";
import { ensurePinnedCli } from "../workspace/pulumi-home";
import { createWorkspace, CliResult, PulumiWorkspace, REPOSITORY } from "../workspace/pulumi-workspace";
import { formatViews, TenantView, viewOf } from "./tenant-view";

const DEFAULT_SEED = path.join(REPOSITORY, "emulator", "seeds", "demo.json");
const STACK = "demo";

export const SPEC = {
    name: "demo",
    usage: "npm run demo -- [--yes] [--verbose] [--seed FILE] [--account UPN] [--keep] [--json]",
    description:
        "The main job, start to finish, through the real Pulumi CLI against an emulated tenant on this machine, in a\n" +
        "throwaway workspace; at the end, what the tenant itself says the account held after each stage.",
    options: {
        yes: { type: "boolean", short: "y", help: "go on at once where the demo would wait for the connector to be created" },
        verbose: { type: "boolean", help: "show the Pulumi CLI's own output as it runs" },
        seed: { type: "string", value: "FILE", help: "the tenant to run against (default: emulator/seeds/demo.json)" },
        account: { type: "string", value: "UPN", help: "the backup service account, a user of the seed (default: backup@…, or the first licensed user)" },
        keep: { type: "boolean", help: "keep the workspace and the emulator running at the end, to explore them (Ctrl-C ends it)" },
        json: { type: "boolean", help: "print the report as JSON on standard output" },
    },
} as const satisfies CommandSpec<OptionSpecs>;

interface Options {
    yes: boolean;
    verbose: boolean;
    seed: string;
    account?: string;
    keep: boolean;
    json: boolean;
}

export interface DemoReport {
    readonly account: string;
    readonly azureadPlugin: "real" | "stand-in";
    readonly stages: { stage: string; view: TenantView }[];
    /** From the tenant's request log: when Power Platform Administrator was granted and Global Administrator revoked. */
    readonly order: { grantedPowerPlatformAdministratorAt: number; revokedGlobalAdministratorAt: number } | null;
    readonly drift: { environment: string; caught: boolean; repaired: boolean } | null;
    /** The stack output skippedEnvironments after the last update: each environment left out, with its reason code and sentence. */
    readonly skipped: SkippedEnvironment[];
}

async function readSeed(file: string): Promise<any> {
    let text: string;
    try {
        text = await fs.readFile(file, "utf8");
    } catch (error) {
        throw new Error(`cannot read the seed ${file}: ${messageOf(error)}`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new Error(`the seed ${file} is not JSON: ${messageOf(error)}`);
    }
}

function pickAccount(seed: any, wanted: string | undefined): { id: string; userPrincipalName: string } {
    const users: { id: string; userPrincipalName: string; licenses?: string[] }[] = seed.users ?? [];
    const account = wanted
        ? users.find((user) => user.userPrincipalName.toLowerCase() === wanted.toLowerCase())
        : (users.find((user) => user.userPrincipalName.startsWith("backup@")) ?? users.find((user) => (user.licenses ?? []).length > 0));
    if (!account) {
        throw new Error(
            wanted
                ? `--account ${wanted}: no user with that user principal name in the seed.`
                : "the seed has no user to act as the backup account (one whose UPN starts with backup@, or any licensed user); name one with --account.",
        );
    }
    return account;
}

class Demo {
    private readonly stages: { stage: string; view: TenantView }[] = [];
    private order: DemoReport["order"] = null;
    private drift: DemoReport["drift"] = null;
    private step = 0;

    constructor(
        private readonly options: Options,
        private readonly emulator: RunningEmulator,
        private readonly workspace: PulumiWorkspace,
        private readonly account: { id: string; userPrincipalName: string },
        private readonly progress: Progress,
    ) {}

    private say(line = ""): void {
        this.progress.line(line);
    }

    private announce(title: string, why: string): void {
        this.step++;
        this.say(`\n${this.step}. ${title}`);
        this.say(`   ${why}`);
    }

    /**
     * Runs `pulumi <args>`: a live line while it runs on a terminal, one line when it ends;
     * with --verbose its output shows indented as it runs.
     */
    private async pulumi(args: string[], allowFailure = false): Promise<CliResult> {
        const task: Task = { name: `$ npx pulumi ${args.join(" ")}`, startedMs: Date.now(), phase: "running" };
        let pending = "";
        const onChunk = this.options.verbose
            ? (text: string) => {
                  const lines = (pending + text).split("\n");
                  pending = lines.pop() ?? "";
                  for (const line of lines) if (line.trim()) this.say(`      ${line}`);
              }
            : undefined;
        this.progress.started(task);
        let result: CliResult;
        try {
            result = await this.workspace.run(args, { allowFailure, onChunk });
        } catch (error) {
            this.progress.finished(task, `   ${task.name}  → failed in ${this.progress.elapsed(task)}`);
            throw error;
        }
        if (pending.trim()) this.say(`      ${pending}`);
        const summary =
            result.stdout
                .match(/Resources:\s*\n((?:\s+.+\n)+)/)?.[1]
                ?.trim()
                .replace(/\s*\n\s*/g, ", ") ?? "";
        const outcome = result.code === 0 ? "ok" : `exit ${result.code}`;
        this.progress.finished(task, `   ${task.name}  → ${outcome} in ${this.progress.elapsed(task)}${summary ? ` (${summary})` : ""}`);
        return result;
    }

    /** The tenant as the emulator holds it now. */
    private tenant(): TenantState {
        return this.emulator.state() as TenantState;
    }

    private snapshot(stage: string): void {
        this.stages.push({ stage, view: viewOf(this.tenant(), this.account.id) });
    }

    private async setStage(stage: string): Promise<void> {
        await this.workspace.setConfig("d365-backup-access:stage", stage);
    }

    private async waitForConnector(): Promise<void> {
        const prompt = `   Now create the Dynamics 365 connector in the backup product, signed in as ${this.account.userPrincipalName}.`;
        if (this.options.yes || !process.stdin.isTTY) {
            this.say(`${prompt}\n   (${this.options.yes ? "--yes" : "no terminal"}: going on at once)`);
            return;
        }
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        await new Promise<void>((resolve) => rl.question(`${prompt}\n   Press Enter when the connector exists … `, () => resolve()));
        rl.close();
    }

    async run(): Promise<DemoReport> {
        this.announce(
            "Bootstrap: preview, then update",
            "Creating the backup connector needs Global Administrator and Dynamics 365 Administrator; every environment also gets the account as a Read-Write user with System Administrator.",
        );
        await this.setStage("bootstrap");
        await this.pulumi(["preview"]);
        await this.pulumi(["up", "--yes", "--skip-preview"]);
        this.snapshot("bootstrap");

        this.announce("The connector", "The backup product's connector is created by hand, while the account holds Global Administrator.");
        await this.waitForConnector();

        this.announce(
            "Operational: Power Platform Administrator in, Global Administrator out",
            "Least privilege once the connector exists: the new role is granted before the old one is revoked, so the account is never without an admin role.",
        );
        await this.setStage("operational");
        this.emulator.clearRequests();
        await this.pulumi(["up", "--yes", "--skip-preview"]);
        this.recordOrder();
        this.snapshot("operational");

        await this.showDrift();

        this.announce("Re-authentication", "Re-authenticating the connector needs Global Administrator again, for as short a time as possible.");
        await this.setStage("reauth");
        await this.pulumi(["up", "--yes", "--skip-preview"]);
        this.snapshot("reauth");
        await this.setStage("operational");
        await this.pulumi(["up", "--yes", "--skip-preview"]);
        this.snapshot("operational again");

        const skipped = await this.readSkipped();

        return {
            account: this.account.userPrincipalName,
            azureadPlugin: this.workspace.azureadPlugin,
            stages: this.stages,
            order: this.order,
            drift: this.drift,
            skipped,
        };
    }

    /** What the program left out, in its own words: the stack output a scheduled job or a person reads. */
    private async readSkipped(): Promise<SkippedEnvironment[]> {
        this.announce(
            "Skipped environments",
            'With ["*"] every environment is served or skipped with a reason code and a sentence; the stack\'s output skippedEnvironments says which and why.',
        );
        const { stdout } = await this.pulumi(["stack", "output", "skippedEnvironments", "--json"]);
        const skipped = JSON.parse(stdout) as SkippedEnvironment[];
        this.say(
            skipped.length
                ? `   ${skipped.map((entry) => `${entry.displayName} [${entry.reasonCode}]`).join(", ")}: reasons in the table below.`
                : "   None: every environment is served.",
        );
        return skipped;
    }

    private recordOrder(): void {
        const log = this.emulator.requests().filter((entry) => entry.service === "graph" && /roleManagement\/directory\/roleAssignments/.test(entry.path));
        const granted = log.find((entry) => entry.method === "POST" && entry.status === 201);
        const revoked = log.find((entry) => entry.method === "DELETE" && entry.status === 204);
        const globalGone = !this.tenant().directoryRoleAssignments.some(
            (a) => a.principalId === this.account.id && a.roleDefinitionId === GLOBAL_ADMINISTRATOR.templateId,
        );
        const powerPlatform = this.tenant().directoryRoleAssignments.some(
            (a) => a.principalId === this.account.id && a.roleDefinitionId === POWER_PLATFORM_ADMINISTRATOR.templateId,
        );
        if (granted && revoked && globalGone && powerPlatform) {
            this.order = { grantedPowerPlatformAdministratorAt: granted.endMs, revokedGlobalAdministratorAt: revoked.startMs };
            const gap = ((revoked.startMs - granted.endMs) / 1000).toFixed(1);
            this.say(`   From the tenant's own request log: Power Platform Administrator was granted first, Global Administrator revoked ${gap} s after that.`);
        }
    }

    private async showDrift(): Promise<void> {
        const target = this.tenant().environments.find(
            (environment) => environment.dataverse && environment.systemUsers.some((u) => u.azureActiveDirectoryObjectId === this.account.id),
        );
        if (!target) return;
        this.announce(
            "Drift",
            `Someone removes System Administrator from the account in "${target.displayName}" behind the program's back; a drift check catches it and an update puts it back.`,
        );
        this.emulator.mutate((tenant) => {
            const user = tenant.environments.find((e) => e.id === target.id)!.systemUsers.find((u) => u.azureActiveDirectoryObjectId === this.account.id)!;
            user.roleTemplateIds = user.roleTemplateIds.filter((id) => id !== SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID);
        });
        const check = await this.pulumi(["preview", "--refresh", "--expect-no-changes"], true);
        const caught = check.code !== 0;
        this.say(caught ? "   Caught: the drift check exits non-zero, as a scheduled job would report it." : "   The drift check did not notice the change.");
        await this.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
        const repaired = viewOf(this.tenant(), this.account.id).environments.find((e) => e.id === target.id)!.systemAdministrator;
        this.say(repaired ? "   Repaired: the account holds System Administrator there again." : "   Not repaired.");
        this.drift = { environment: target.id, caught, repaired };
    }
}

/** Set on Ctrl-C: the clean-up under way, which ends the process with 130. */
let interrupted: Promise<void> | undefined;

/** The whole command; returns the exit status. */
export const main = command(SPEC, async ({ values }, io) => {
    // `npm run demo --yes` (no `--`) hands the flag to npm, which passes it on as npm_config_yes.
    const npmFlag = (name: string) => io.env[`npm_config_${name}`] === "true";
    const options: Options = {
        yes: values.yes || npmFlag("yes"),
        verbose: values.verbose,
        seed: path.resolve(io.cwd, values.seed ?? DEFAULT_SEED),
        account: values.account,
        keep: values.keep || npmFlag("keep"),
        json: values.json || npmFlag("json"),
    };
    try {
        return await demo(options, io);
    } catch (error) {
        // The interrupted CLI command fails too; the clean-up decides how the demo ends.
        if (interrupted) await interrupted;
        throw error;
    }
});

async function demo(options: Options, io: CommandIo): Promise<number> {
    // Narration and progress go to standard error, so --json output stays clean.
    const progress = progressFor(io.stderr, { steps: false });
    const say = (line = "") => progress.line(line);
    const seed = await readSeed(options.seed);
    const account = pickAccount(seed, options.account);

    say("d365-backup-access demo: the whole procedure through the real Pulumi CLI, against an emulated tenant on this machine.");
    await ensurePinnedCli((line) => say(`   ${line}`));
    const emulator = await startEmulator(seed, { warn: () => undefined });
    let workspace: PulumiWorkspace | undefined;
    let finished = false;
    const cleanUp = async () => {
        progress.close();
        await emulator.stop().catch(() => undefined);
        if (workspace && !(options.keep && finished)) await workspace.remove().catch(() => undefined);
    };
    process.once("SIGINT", () => {
        say("\nInterrupted: stopping the emulator and removing the workspace.");
        interrupted = cleanUp().then(() => process.exit(130));
    });
    try {
        const { ARM_CLIENT_SECRET: secret, ...env } = emulator.env;
        workspace = await createWorkspace({ stack: STACK, env, home: { downloadAzuread: true, log: (line) => say(`   ${line}`) } });
        if (workspace.azureadPlugin === "stand-in") {
            say(
                "   The azuread provider plugin cannot be had on this machine, so the TEST-ONLY stand-in that speaks its protocol is used (fine for the emulator, never for a real tenant).",
            );
        }
        // The operator's secret goes in as an encrypted stack secret, as docs/before-the-first-run.md says (Credentials).
        await workspace.setConfig("azuread:clientSecret", secret, { secret: true });
        await workspace.setConfig("d365-backup-access:serviceAccount", account.userPrincipalName);
        await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });

        const report = await new Demo(options, emulator, workspace, account, progress).run();
        finished = true;
        say("\nWhat the tenant itself says the account held after each stage:");
        say(formatViews(report.stages, report.skipped));
        if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        if (options.keep) {
            say(`\nThe workspace stays in ${workspace.directory}; explore it from another shell while the emulator runs here (Ctrl-C ends it):`);
            say(`   cd ${workspace.directory}`);
            for (const [name, value] of Object.entries(workspace.variables)) say(`   export ${name}='${value}'`);
            say(`   npx pulumi stack output nextSteps --stack ${STACK}`);
            say(`   npx pulumi preview --stack ${STACK} --refresh`);
            await new Promise(() => undefined); // until Ctrl-C
        }
        return EXIT_OK;
    } finally {
        if (!options.keep) await cleanUp();
    }
}

if (require.main === module) runMain(main);
