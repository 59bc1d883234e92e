// The docs' commands, run as the docs write them, so the docs cannot drift from the
// code: every fenced `sh` block marked runnable in README.md and docs/*.md
// (test/support/markdown.ts says how a block is marked) runs against the tenant
// emulator, in a copy of the project, and a block that exits otherwise than the docs
// say fails, naming its file and line.
//
// Each document gets a shell of its own, as its reader has one: the README's setup
// blocks first (the emulator started with the demo tenant, the emulator's env file
// sourced, the shell's Pulumi home prepared, the dev stack selected), then the
// document's own blocks in order, each in the environment the blocks before it left
// (what they exported). The shell starts without the variables a reader's shell would
// not have (ARM_*, PULUMI_*, the emulator's endpoints), so the setup must give them.

import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import { readFileSync, readdirSync } from "fs";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import demo from "../../emulator/seeds/demo.json";
import { RunnableBlock, runnableBlocks } from "../support/markdown";
import { inspectForSecrets, registerSecret } from "../support/secret-guard";
import { REPOSITORY } from "./support/workspace";

const DOCUMENTS = [
    "README.md",
    ...readdirSync(path.join(REPOSITORY, "docs"))
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`),
];

/** Kept from the test's own environment: where the emulator's CA and the toolchain's builds are cached. */
const KEPT = new Set(["D365BA_EMULATOR_CA_DIR", "D365BA_TOOLCHAIN_CACHE", "D365BA_AZUREAD_PLUGIN_FILE"]);
/** Set by this test for one block, or by the shell itself: never carried to the next block. */
const NOT_CARRIED = new Set(["D365BA_DOCS_ENV_OUT", "PULUMI_SKIP_CONFIRMATIONS", "_", "SHLVL", "PWD", "OLDPWD"]);

/** A reader's shell before the docs' setup: no tenant, no Pulumi settings, no emulator. */
function readersEnvironment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
        if (value === undefined) continue;
        if (/^(ARM_|AZURE_|PULUMI_)/.test(name) || name === "NODE_EXTRA_CA_CERTS" || name === "SSL_CERT_FILE") continue;
        if (name.startsWith("D365BA_") && !KEPT.has(name)) continue;
        env[name] = value;
    }
    return { ...env, NO_COLOR: "1" };
}

/** The names .gitignore leaves out at the top level (`name`, `name/`, `*.suffix`). */
function ignoredAtTop(): (name: string) => boolean {
    const patterns = readFileSync(path.join(REPOSITORY, ".gitignore"), "utf8")
        .split("\n")
        .map((line) => line.trim().replace(/^\//, "").replace(/\/$/, ""))
        .filter((line) => line !== "" && !line.startsWith("#"));
    return (name) => patterns.some((pattern) => (pattern.startsWith("*.") ? name.endsWith(pattern.slice(1)) : name === pattern));
}

/** The project as a clone has it (what git ignores left out), sharing the repository's node_modules. */
async function copyRepository(target: string): Promise<void> {
    const ignored = ignoredAtTop();
    await fs.mkdir(target, { recursive: true });
    for (const entry of await fs.readdir(REPOSITORY)) {
        if (entry === ".git" || entry === "node_modules" || ignored(entry)) continue;
        await fs.cp(path.join(REPOSITORY, entry), path.join(target, entry), { recursive: true });
    }
    await fs.symlink(path.join(REPOSITORY, "node_modules"), path.join(target, "node_modules"), "dir");
}

function where(block: RunnableBlock): string {
    return `${block.file}:${block.line}`;
}

function lastLines(text: string, count = 80): string {
    return text.trimEnd().split("\n").slice(-count).join("\n");
}

/**
 * Runs one block with bash (`set -eo pipefail`, as a careful reader's shell stops at
 * the first failure) and returns the environment it leaves for the next block.
 */
async function runBlock(block: RunnableBlock, project: string, env: Record<string, string>, scratch: string): Promise<Record<string, string>> {
    const script = path.join(scratch, "block.sh");
    const envOut = path.join(scratch, "block.env");
    await fs.writeFile(script, `trap 'env -0 > "$D365BA_DOCS_ENV_OUT"' EXIT\nset -eo pipefail\n${block.code}\n`);
    await fs.rm(envOut, { force: true });
    // `confirm`: the block runs a command that asks before it changes anything; the
    // reader answers yes, this test through Pulumi's own setting.
    const blockEnv = { ...env, D365BA_DOCS_ENV_OUT: envOut, ...(block.confirm ? { PULUMI_SKIP_CONFIRMATIONS: "true" } : {}) };
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
        const child = spawn("bash", [script], { cwd: project, env: blockEnv, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout!.on("data", (chunk) => (output += chunk));
        child.stderr!.on("data", (chunk) => (output += chunk));
        child.on("error", reject);
        child.on("close", (exit, signal) => resolve({ code: exit ?? (signal ? 128 : 1), output }));
    });
    inspectForSecrets(`the docs block at ${where(block)}`, output);
    assert.equal(
        code,
        block.exit,
        `${where(block)} exited with ${code}, where the docs say ${block.exit}:\n${block.code}\n--- its output, last lines ---\n${lastLines(output)}`,
    );
    const next: Record<string, string> = {};
    for (const entry of (await fs.readFile(envOut, "utf8")).split("\0")) {
        const equals = entry.indexOf("=");
        if (equals <= 0 || NOT_CARRIED.has(entry.slice(0, equals))) continue;
        next[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
    return next;
}

/**
 * Starts a block that runs until stopped (the tenant emulator) and waits until it prints
 * its first line on standard output, npm's own banner (`> package@version script`) aside.
 */
function startBackground(block: RunnableBlock, project: string, env: Record<string, string>): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
        // A process group of its own, so stopping it stops npm and what npm started.
        const child = spawn("bash", ["-c", block.code], { cwd: project, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        let ready = false;
        let printed = "";
        child.stdout!.on("data", (chunk) => {
            output += chunk;
            printed += chunk;
            const lines = printed.split("\n").slice(0, -1);
            if (!ready && lines.some((line) => line.trim() !== "" && !line.startsWith(">"))) {
                ready = true;
                resolve(child);
            }
        });
        child.stderr!.on("data", (chunk) => (output += chunk));
        child.on("error", reject);
        child.on("exit", (code) => {
            inspectForSecrets(`the docs block at ${where(block)}`, output);
            if (!ready) reject(new Error(`${where(block)} exited with ${code} before it printed a line:\n${block.code}\n${lastLines(output)}`));
        });
    });
}

function stopBackground(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        child.once("exit", () => resolve());
        process.kill(-child.pid!, "SIGTERM");
    });
}

describe("the docs' runnable commands, against the tenant emulator", function () {
    this.timeout(20 * 60 * 1000);
    // The demo operator's secret is in the emulator's env file the blocks source: no
    // block may print it.
    registerSecret(demo.operator.clientSecret);

    const blocks = new Map(DOCUMENTS.map((document) => [document, runnableBlocks(document, readFileSync(path.join(REPOSITORY, document), "utf8"))]));
    const setup = blocks.get("README.md")!.filter((block) => block.setup);

    it("has the README's setup, which every guide's shell starts from", () => {
        assert.ok(
            setup.some((block) => block.background),
            "the README starts the tenant emulator",
        );
        assert.ok(
            setup.some((block) => !block.background),
            "the README prepares the shell",
        );
    });

    for (const document of DOCUMENTS) {
        const own = blocks.get(document)!;
        if (own.length === 0) continue;
        it(`${document}: its ${own.length} runnable block(s) exit as the text says`, async () => {
            const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-docs-"));
            const project = path.join(scratch, "project");
            const servers: ChildProcess[] = [];
            try {
                await copyRepository(project);
                let env = readersEnvironment();
                for (const block of document === "README.md" ? own : [...setup, ...own]) {
                    if (block.background) servers.push(await startBackground(block, project, env));
                    else env = await runBlock(block, project, env, scratch);
                }
            } finally {
                for (const server of servers) await stopBackground(server);
                await fs.rm(scratch, { recursive: true, force: true });
            }
        });
    }
});
