// npm run emulator -- --seed FILE [--env-file FILE] [--ca-dir DIR]
//
// Starts the tenant emulator, prints one line of JSON (endpoints, caFile, envFile,
// tenantId) to standard output, writes the env file, and runs until SIGINT or
// SIGTERM (or until the process that started it goes away). Without --env-file the
// env file goes to the OS temp dir and is removed on exit.
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { SeedError, startEmulator } from "./index";

const USAGE = "usage: npm run emulator -- --seed FILE [--env-file FILE] [--ca-dir DIR]";

interface CliOptions {
  seed: string;
  envFile?: string;
  caDir?: string;
}

/**
 * Node 20 reads `--env-file FILE` anywhere on its command line as its own option (and
 * fails when FILE does not exist yet), unless a `--` comes first; so the npm script
 * passes `--` before the arguments, and it is skipped here.
 */
export function parseArguments(rawArgv: readonly string[]): CliOptions {
  const argv = rawArgv[0] === "--" ? rawArgv.slice(1) : rawArgv;
  const options: Partial<CliOptions> = {};
  const names: Record<string, keyof CliOptions> = { "--seed": "seed", "--env-file": "envFile", "--ca-dir": "caDir" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const key = names[flag];
    if (!key) throw new Error(`unknown argument '${argv[i]}'\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === "" || value.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    options[key] = value;
  }
  if (!options.seed) throw new Error(`--seed is required\n${USAGE}`);
  return options as CliOptions;
}

async function readSeed(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read the seed file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`the seed file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const seed = await readSeed(options.seed);
  const envFile = path.resolve(options.envFile ?? path.join(os.tmpdir(), `d365ba-emulator-${process.pid}.env`));
  const emulator = await startEmulator(seed, { envFile, ...(options.caDir ? { caDir: path.resolve(options.caDir) } : {}) });
  process.stdout.write(`${JSON.stringify({ endpoints: emulator.endpoints, caFile: emulator.caFile, envFile, tenantId: emulator.tenantId })}\n`);

  const shutdown = async (signal: string) => {
    process.stderr.write(`[emulator] ${signal}: stopping\n`);
    await emulator.stop();
    if (!options.envFile) await fs.rm(envFile, { force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  // A wrapper that dies without passing its signal on (a shell, a killed npm) must not
  // leave the emulator running: stop when re-parented.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown("parent process exited"), 500).unref();
}

if (require.main === module) {
  main().catch((err) => {
    const message = err instanceof SeedError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`emulator: ${message}\n`);
    process.exit(2);
  });
}
