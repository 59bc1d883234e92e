import { strict as assert } from "assert";
import { spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { createInterface } from "readline";
import { helpText } from "../../cli";
import { main, SPEC } from "../../emulator/cli";
import { memoryIo } from "../support/command-io";
import { demoSeed, eventually, request } from "../support/emulator";

const ROOT = path.resolve(__dirname, "../..");

/** Runs the CLI as users do (`npm run emulator -- …`), or straight through node. */
function runCli(args: string[], viaNpm = false) {
    const child = viaNpm
        ? spawn("npm", ["run", "--silent", "emulator", "--", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
        : spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "emulator/cli.ts"), "--", ...args], {
              cwd: ROOT,
              stdio: ["ignore", "pipe", "pipe"],
          });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal === "SIGTERM" ? 0 : code)));
    const firstLine = new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", () => reject(new Error(`emulator exited before printing: ${stderr}`)));
    });
    return { child, exited, firstLine, stderr: () => stderr };
}

describe("emulator CLI", () => {
    let dir: string;
    before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "emulator-cli-test-"))));
    after(() => fs.rm(dir, { recursive: true, force: true }));

    it("npm run emulator prints one line of JSON, writes the env file, serves, and stops on SIGTERM", async () => {
        const envFile = path.join(dir, "emulator.env");
        let metadata = "";
        const run = runCli(
            ["--seed", path.join(ROOT, "emulator/seeds/demo.json"), "--env-file", envFile, "--ca-dir", process.env.D365BA_EMULATOR_CA_DIR!],
            true,
        );
        try {
            const line = JSON.parse(await run.firstLine);
            assert.deepEqual(Object.keys(line).sort(), ["caFile", "endpoints", "envFile", "tenantId"]);
            assert.equal(line.envFile, envFile);
            assert.deepEqual(
                Object.keys(line.endpoints.dataverse).sort(),
                demoSeed()
                    .environments!.map((e) => e.id)
                    .sort(),
                "a Dataverse origin per environment",
            );
            const text = await fs.readFile(envFile, "utf8");
            for (const key of [
                "ARM_TENANT_ID",
                "ARM_CLIENT_ID",
                "ARM_CLIENT_SECRET",
                "ARM_METADATA_HOSTNAME",
                "SSL_CERT_FILE",
                "NODE_EXTRA_CA_CERTS",
                "AZURE_AUTHORITY_HOST",
                "D365BA_GRAPH_URL",
                "D365BA_BAP_URL",
                "D365BA_CUSTOM_ENDPOINTS",
            ]) {
                assert.match(text, new RegExp(`^export ${key}='[^']+'$`, "m"), key);
            }
            assert.equal((await fs.stat(envFile)).mode & 0o077, 0, "the env file holds the client secret: owner only");
            metadata = `https://${line.endpoints.metadataHost}/metadata/endpoints?api-version=2022-09-01`;
            assert.equal((await request("GET", metadata)).status, 200);
        } finally {
            run.child.kill("SIGTERM");
        }
        assert.equal(await run.exited, 0);
        // npm passes the signal on: the emulator itself stops and its ports close
        await eventually(() =>
            request("GET", metadata).then(
                () => undefined,
                (err: NodeJS.ErrnoException) => err.code,
            ),
        );
    });

    it("refuses a CA directory other users can enter, with exit code 2 and the fix, before serving", async () => {
        const caDir = path.join(dir, "shared-ca");
        await fs.mkdir(caDir);
        await fs.chmod(caDir, 0o777);
        const run = runCli(["--seed", path.join(ROOT, "emulator/seeds/demo.json"), "--ca-dir", caDir]);
        assert.equal(await run.exited, 2);
        assert.match(
            run.stderr(),
            /emulator: The emulator CA directory .*shared-ca is open to other users \(mode 0777, expected 0700\)\. Run `chmod 700 .*shared-ca` if every file in it is yours, or remove it/,
        );
        assert.deepEqual(await fs.readdir(caDir), [], "no key was written into it");
    });

    it("refuses a bad seed with exit code 2 and a message naming the field", async () => {
        const seedFile = path.join(dir, "bad.json");
        await fs.writeFile(seedFile, JSON.stringify(demoSeed((s) => (s.operator.objectId = "operator"))));
        const run = runCli(["--seed", seedFile]);
        assert.equal(await run.exited, 2);
        assert.match(run.stderr(), /seed\.operator\.objectId: "operator" — expected a GUID/);
        const usage = runCli(["--sed", seedFile]);
        assert.equal(await usage.exited, 2);
        assert.match(usage.stderr(), /^emulator: unknown option "--sed"\.\nusage: npm run emulator -- --seed FILE/);
    });
});

describe("emulator CLI main, in process", () => {
    it("prints its usage and options for --help and exits 0", async () => {
        const io = memoryIo();
        assert.equal(await main(["--", "--help"], io), 0);
        assert.equal(io.out(), `${helpText(SPEC)}\n`);
        assert.match(io.out(), /^usage: npm run emulator -- --seed FILE \[--env-file FILE\] \[--ca-dir DIR\]\n/);
        for (const option of ["--seed FILE", "--env-file FILE", "--ca-dir DIR"]) assert.ok(io.out().includes(`\n  ${option} `), option);
    });

    it("exits 2 on a usage error, naming it, with the usage line", async () => {
        for (const [argv, problem] of [
            [[], "--seed is required."],
            [["--", "--seed"], "--seed needs a value (FILE)."],
            [["--seed", "--env-file", "x.env"], '--seed needs a value (FILE); "--env-file" is an option (write --seed=--env-file if it is the value).'],
            [["--seed=demo.json", "--port", "1"], 'unknown option "--port".'],
        ] as const) {
            const io = memoryIo();
            assert.equal(await main(argv, io), 2, argv.join(" "));
            assert.equal(io.err(), `emulator: ${problem}\nusage: ${SPEC.usage}\nRun it with --help for every option.\n`);
            assert.equal(io.out(), "", "nothing served");
        }
    });

    it("reads --seed=FILE relative to its working directory, and exits 2 naming what is wrong in the seed", async () => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), "emulator-cli-main-"));
        try {
            await fs.writeFile(path.join(dir, "bad.json"), JSON.stringify(demoSeed((s) => (s.operator.objectId = "operator"))));
            const io = memoryIo({ cwd: dir });
            assert.equal(await main(["--seed=bad.json"], io), 2);
            assert.match(io.err(), /^emulator: Invalid emulator seed .*\n  - seed\.operator\.objectId: "operator" — expected a GUID/);
            const missing = memoryIo({ cwd: dir });
            assert.equal(await main(["--seed", "none.json"], missing), 2);
            assert.match(missing.err(), new RegExp(`^emulator: cannot read the seed file ${path.join(dir, "none.json").replace(/[.\\/]/g, "\\$&")}: `));
        } finally {
            await fs.rm(dir, { recursive: true, force: true });
        }
    });
});
