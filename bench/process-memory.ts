// Peak resident memory of a process tree, sampled from /proc (Linux): each process's
// VmHWM is its own high-water mark, so sampling only has to catch processes alive.

import { promises as fs } from "fs";

export type ProcessRole = "cli" | "program" | "dynamic-providers" | "azuread" | "other";

export interface MemoryPeaks {
    /** Peak RSS in MiB per role (the largest process of the role). */
    readonly mib: Record<ProcessRole, number>;
}

async function readText(file: string): Promise<string | undefined> {
    return fs.readFile(file, "utf8").catch(() => undefined);
}

function roleOf(commandLine: string): ProcessRole {
    if (/dynamic-provider/.test(commandLine)) return "dynamic-providers";
    if (/azuread/.test(commandLine)) return "azuread";
    if (/@pulumi[/\\]pulumi[/\\]cmd[/\\]run|pulumi-language-nodejs/.test(commandLine)) return "program";
    if (/(^|\/)pulumi(\0|$)/.test(commandLine)) return "cli";
    return "other";
}

/** Samples every `intervalMs` until stop() is called; then returns the peaks. */
export function watchProcessTree(rootPid: number, intervalMs = 200): { stop(): Promise<MemoryPeaks> } {
    const peaks: Record<ProcessRole, number> = { cli: 0, program: 0, "dynamic-providers": 0, azuread: 0, other: 0 };

    async function sample(): Promise<void> {
        const parents = new Map<number, number>();
        for (const entry of await fs.readdir("/proc").catch(() => [] as string[])) {
            if (!/^\d+$/.test(entry)) continue;
            const stat = await readText(`/proc/${entry}/stat`);
            const ppid = stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : NaN;
            if (Number.isFinite(ppid)) parents.set(Number(entry), ppid);
        }
        const inTree = (pid: number): boolean => {
            for (let current = pid, hops = 0; hops < 64; hops++) {
                if (current === rootPid) return true;
                const parent = parents.get(current);
                if (parent === undefined || parent <= 1) return false;
                current = parent;
            }
            return false;
        };
        for (const pid of parents.keys()) {
            if (!inTree(pid)) continue;
            const [status, commandLine] = await Promise.all([readText(`/proc/${pid}/status`), readText(`/proc/${pid}/cmdline`)]);
            const hwm = status?.match(/^VmHWM:\s+(\d+) kB/m);
            if (!hwm || commandLine === undefined) continue;
            const role = roleOf(commandLine);
            peaks[role] = Math.max(peaks[role], Number(hwm[1]) / 1024);
        }
    }

    return sampleUntilStopped(sample, intervalMs, () => ({ mib: peaks }));
}

/** Linux's clock ticks per second (getconf CLK_TCK), the unit of /proc times; 100 on every common kernel. */
export const CLOCK_TICKS = 100;

/**
 * CPU seconds of the processes under `rootPid` (not itself), each process's own user +
 * system time at the last sample that saw it, summed: a lower bound (what a process
 * spends after its last sample is missed) that does not depend on anyone waiting for
 * the processes, so it shows whether a parent's cutime (which does) missed some.
 */
export function watchTreeCpu(rootPid: number, intervalMs = 200): { stop(): Promise<number> } {
    const seen = new Map<number, number>();

    async function sample(): Promise<void> {
        const stats = new Map<number, string[]>();
        for (const entry of await fs.readdir("/proc").catch(() => [] as string[])) {
            if (!/^\d+$/.test(entry)) continue;
            const stat = await readText(`/proc/${entry}/stat`);
            if (stat) stats.set(Number(entry), stat.slice(stat.lastIndexOf(")") + 2).split(" "));
        }
        const under = (pid: number): boolean => {
            for (let current = stats.get(pid)?.[1], hops = 0; current !== undefined && hops < 64; hops++) {
                if (Number(current) === rootPid) return true;
                current = stats.get(Number(current))?.[1];
            }
            return false;
        };
        for (const [pid, fields] of stats) {
            // utime and stime are fields 14 and 15 of /proc/<pid>/stat, 12 and 13 after the command name.
            if (under(pid)) seen.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
        }
    }

    return sampleUntilStopped(sample, intervalMs, () => [...seen.values()].reduce((sum, seconds) => sum + seconds, 0));
}

/** Runs `sample` every `intervalMs` until stopped; stop() waits for the last sample, then gives `result()`. */
function sampleUntilStopped<T>(sample: () => Promise<void>, intervalMs: number, result: () => T): { stop(): Promise<T> } {
    let running = true;
    const loop = (async () => {
        while (running) {
            await sample();
            await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            return result();
        },
    };
}
