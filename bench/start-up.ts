// The benchmark's start-up figure: how long a command takes from spawning the CLI to the
// engine's first event for a resource the program declares (its first registration:
// the root stack and providers aside, which the runtime and the engine register on
// their own). That covers starting the CLI, the language host and the program, loading
// the program's modules, and what the program does before it registers anything: its
// sign-in and preflight reads of the tenant, and the azuread plugin's start for the
// account's lookup.
//
// The engine writes its events, one JSON object a line, to the file --event-log names
// (a flag the CLI accepts with PULUMI_DEBUG_COMMANDS=true, as the Automation API sets
// it); the file is read every 20 ms while the command runs, so the figure is late by
// at most that much. Commands that do not run the program (refresh) have none.

import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

const POLL_MS = 20;

/** True for the first registration of a resource the program declares. */
export function isProgramRegistration(event: unknown): boolean {
    const pre = (event as { resourcePreEvent?: { metadata?: { type?: string; op?: string } } })?.resourcePreEvent?.metadata;
    if (!pre?.type) return false;
    return pre.type !== "pulumi:pulumi:Stack" && !pre.type.startsWith("pulumi:providers:") && pre.op !== "refresh";
}

export interface StartUpWatch {
    /** What to add to the command's arguments and environment. */
    readonly args: string[];
    readonly env: Record<string, string>;
    /** Call when the CLI was spawned. */
    started(): void;
    /** Seconds from the spawn to the program's first registration, or null when there was none. */
    stop(): Promise<number | null>;
}

/** Watches one command's event log for the program's first registration. */
export async function watchStartUp(): Promise<StartUpWatch> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-start-up-"));
    const file = path.join(directory, "events.jsonl");
    let spawnedAt: bigint | undefined;
    let seconds: number | null = null;
    let offset = 0;
    let partial = "";
    let timer: NodeJS.Timeout | undefined;
    let reading: Promise<void> = Promise.resolve();

    const read = async () => {
        if (seconds !== null || spawnedAt === undefined) return;
        const handle = await fs.open(file, "r").catch(() => undefined);
        if (!handle) return;
        try {
            const { size } = await handle.stat();
            if (size <= offset) return;
            const buffer = Buffer.alloc(size - offset);
            await handle.read(buffer, 0, buffer.length, offset);
            offset = size;
            const lines = (partial + buffer.toString("utf8")).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) {
                if (line.trim() && isProgramRegistration(JSON.parse(line))) {
                    seconds = Number(process.hrtime.bigint() - spawnedAt) / 1e9;
                    return;
                }
            }
        } finally {
            await handle.close();
        }
    };

    return {
        args: ["--event-log", file],
        env: { PULUMI_DEBUG_COMMANDS: "true" },
        started() {
            spawnedAt = process.hrtime.bigint();
            timer = setInterval(() => (reading = reading.then(read, read)), POLL_MS);
        },
        async stop() {
            if (timer) clearInterval(timer);
            await reading;
            // Whatever the last poll missed: the figure is then late by up to POLL_MS, as any other.
            if (seconds === null && spawnedAt !== undefined) await read().catch(() => undefined);
            await fs.rm(directory, { recursive: true, force: true });
            return seconds;
        },
    };
}
