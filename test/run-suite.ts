// Runs mocha with the tenant emulator's CA trusted.
//
// Node reads NODE_EXTRA_CA_CERTS once, at process start, so the CA must exist before
// the test process starts: this launcher creates (or reuses) it in a directory under
// the OS temp dir, then starts mocha as a child with NODE_EXTRA_CA_CERTS pointing at it
// and D365BA_EMULATOR_CA_DIR telling startEmulator() to sign its servers with the same CA.
// Arguments are passed to mocha unchanged (e.g. a single test file).
import { spawn } from "child_process";
import * as path from "path";
import { defaultCaDir, ensureCertificateAuthority } from "../emulator/tls/certificates";

async function main(): Promise<number> {
  const caDir = process.env.D365BA_EMULATOR_CA_DIR || defaultCaDir();
  const ca = await ensureCertificateAuthority(caDir);
  const mocha = require.resolve("mocha/bin/mocha.js");
  const child = spawn(process.execPath, [mocha, ...process.argv.slice(2)], {
    cwd: path.resolve(__dirname, ".."),
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
