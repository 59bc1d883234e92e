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
    let running = true;

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
            return { mib: peaks };
        },
    };
}
