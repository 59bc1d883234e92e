// Progress while the fleet runs, on standard error. On a terminal: one live line per
// running tenant (what it is doing, its elapsed time, its resources done and changing),
// redrawn in place, with a line above them for each tenant that finished. Elsewhere
// (CI logs, pipes): plain lines when a tenant starts, changes phase and finishes.

export interface Activity {
    readonly stack: string;
    readonly startedMs: number;
    phase: string;
    /** Resources the engine has finished with. */
    done: number;
    /** Of those, resources with an operation other than "same". */
    changing: number;
}

export interface ProgressSink {
    started(activity: Activity): void;
    phase(activity: Activity): void;
    finished(activity: Activity, outcome: string): void;
    close(): void;
}

interface Stream {
    write(text: string): unknown;
    readonly isTTY?: boolean;
    readonly columns?: number;
}

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

function count(n: number, noun: string): string {
    return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** One running tenant; `nameWidth` aligns the names of the tenants drawn together. */
export function liveLine(activity: Activity, now: number, width = 120, nameWidth = 0): string {
    const line = `  ${activity.stack.padEnd(nameWidth)}  ${activity.phase}  ${seconds(now - activity.startedMs)}  ${count(activity.done, "resource")} done, ${activity.changing} changing`;
    return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/** Plain lines, for logs and pipes. */
export class PlainProgress implements ProgressSink {
    constructor(
        private readonly out: Stream,
        private readonly now: () => number = Date.now,
    ) {}
    started(activity: Activity): void {
        this.out.write(`${activity.stack}: ${activity.phase}\n`);
    }
    phase(activity: Activity): void {
        this.out.write(`${activity.stack}: ${activity.phase} (${seconds(this.now() - activity.startedMs)})\n`);
    }
    finished(activity: Activity, outcome: string): void {
        this.out.write(`${activity.stack}: ${outcome} in ${seconds(this.now() - activity.startedMs)}\n`);
    }
    close(): void {}
}

const CLEAR_LINE = "\x1b[2K";
const UP = (lines: number) => (lines > 0 ? `\x1b[${lines}A` : "");

/** Live lines on a terminal, redrawn every `intervalMs`. */
export class LiveProgress implements ProgressSink {
    private readonly running: Activity[] = [];
    private drawn = 0;
    private readonly timer: NodeJS.Timeout;

    constructor(
        private readonly out: Stream,
        private readonly now: () => number = Date.now,
        intervalMs = 250,
    ) {
        this.timer = setInterval(() => this.redraw(), intervalMs);
        this.timer.unref();
    }

    started(activity: Activity): void {
        this.running.push(activity);
        this.redraw();
    }
    phase(): void {
        this.redraw();
    }
    finished(activity: Activity, outcome: string): void {
        const index = this.running.indexOf(activity);
        if (index >= 0) this.running.splice(index, 1);
        this.redraw(`${activity.stack}: ${outcome} in ${seconds(this.now() - activity.startedMs)}`);
    }
    close(): void {
        clearInterval(this.timer);
        this.redraw();
    }

    /** Erases the live lines, prints `permanent` if given, then draws the running tenants again. */
    redraw(permanent?: string): void {
        let text = UP(this.drawn);
        for (let i = 0; i < this.drawn; i++) text += `${CLEAR_LINE}\n`;
        text += UP(this.drawn);
        if (permanent) text += `${permanent}\n`;
        const width = (this.out.columns ?? 120) - 1;
        const nameWidth = Math.max(0, ...this.running.map((activity) => activity.stack.length));
        for (const activity of this.running) text += `${liveLine(activity, this.now(), width, nameWidth)}\n`;
        this.drawn = this.running.length;
        this.out.write(text);
    }
}

export function progressFor(out: Stream): ProgressSink {
    return out.isTTY ? new LiveProgress(out) : new PlainProgress(out);
}
