// Measures how long startEmulator() takes from a seed to listening origins, with the
// CA already in its directory (the usual case) and with a fresh CA directory.
// Usage: npx ts-node --transpile-only emulator/tools/measure-startup.ts [SEED] [RUNS]
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { startEmulator } from "../index";

async function timeStart(seed: unknown, caDir: string): Promise<number> {
    const started = performance.now();
    const emulator = await startEmulator(seed, { caDir, warn: () => undefined });
    const elapsed = performance.now() - started;
    await emulator.stop();
    return elapsed;
}

function summary(samples: number[]): string {
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return `median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (${samples.length} runs)`;
}

async function main(): Promise<void> {
    const seedFile = process.argv[2] ?? path.join(__dirname, "..", "seeds", "demo.json");
    const runs = Number(process.argv[3] ?? 10);
    const seed = JSON.parse(await fs.readFile(seedFile, "utf8"));
    const caDir = await fs.mkdtemp(path.join(os.tmpdir(), "emulator-startup-"));
    try {
        await timeStart(seed, caDir); // warm-up: module loading, JIT, CA creation
        const reused: number[] = [];
        for (let i = 0; i < runs; i++) reused.push(await timeStart(seed, caDir));
        const fresh: number[] = [];
        for (let i = 0; i < runs; i++) fresh.push(await timeStart(seed, await fs.mkdtemp(path.join(caDir, "fresh-"))));
        console.log(`seed ${path.basename(seedFile)} on ${os.cpus().length} cores, Node ${process.version}`);
        console.log(`CA reused:    ${summary(reused)}`);
        console.log(`CA created:   ${summary(fresh)}`);
    } finally {
        await fs.rm(caDir, { recursive: true, force: true });
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
