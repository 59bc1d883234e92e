// Runs mocha with the tenant emulator's CA trusted.
//
// Node reads NODE_EXTRA_CA_CERTS once, at process start, so the CA must exist before
// the test process starts: this launcher creates (or reuses) it in the user's own
// directory under the OS temp dir (defaultCaDir), then starts mocha as a child with NODE_EXTRA_CA_CERTS pointing at it
// and D365BA_EMULATOR_CA_DIR telling startEmulator() to sign its servers with the same CA.
// Arguments are passed to mocha. When they name test files or directories, only those
// run: mocha would otherwise add them to the spec list of .mocharc.json, so the
// launcher then passes the other settings of .mocharc.json itself — all but the spec
// list and its ignore list (which keeps the end-to-end folder out of the unit suite,
// and would otherwise drop an end-to-end file named here).
import { spawn } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { defaultCaDir, ensureCertificateAuthority } from "../emulator/tls/certificates";

const ROOT = path.resolve(__dirname, "..");

function mochaArguments(args: string[]): string[] {
    if (!args.some((a) => !a.startsWith("-"))) return args;
    const config = JSON.parse(readFileSync(path.join(ROOT, ".mocharc.json"), "utf8")) as Record<string, unknown>;
    const settings = Object.entries(config)
        .filter(([key]) => key !== "spec" && key !== "ignore")
        .flatMap(([key, value]) =>
            Array.isArray(value)
                ? value.flatMap((v) => [`--${key}`, String(v)])
                : value === true
                  ? [`--${key}`]
                  : value === false
                    ? []
                    : [`--${key}`, String(value)],
        );
    return ["--no-config", ...settings, ...args];
}

async function main(): Promise<number> {
    const caDir = process.env.D365BA_EMULATOR_CA_DIR || defaultCaDir();
    const ca = await ensureCertificateAuthority(caDir);
    const mocha = require.resolve("mocha/bin/mocha.js");
    const child = spawn(process.execPath, [mocha, ...mochaArguments(process.argv.slice(2))], {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile, D365BA_EMULATOR_CA_DIR: caDir },
    });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    process.on("SIGINT", forward("SIGINT"));
    process.on("SIGTERM", forward("SIGTERM"));
    return new Promise((resolve) => {
        child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(`test launcher: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    },
);
