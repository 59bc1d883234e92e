// Progress on standard error, the same for every command. Lines that stay (narration,
// a step's result) are written as they come. Tasks (a tenant's update, a `pulumi` run,
// a stack's checks) show, on a terminal, one live line each while they run — what they
// are doing, their elapsed time, any detail the command adds — redrawn in place under
// the lines that stay; elsewhere (CI logs, pipes) a plain line when a task starts and
// when it changes phase, unless the command asks for its results only.

import { Writer } from "./io";

export interface Task {
    /** Names the task in its lines: a stack, a command. */
    readonly name: string;
    readonly startedMs: number;
    /** What it is doing now. */
    phase: string;
}

export interface Progress<T extends Task = Task> {
    /** A line that stays. */
    line(text: string): void;
    /** A task began: a live line on a terminal; elsewhere "name: phase". */
    started(task: T): void;
    /** The task moved on: its live line is redrawn; elsewhere "name: phase (elapsed)". */
    phase(task: T): void;
    /** The task ended: its live line goes, and `line` stays. */
    finished(task: T, line: string): void;
    /** How long the task has run, as its lines show it: "2.5 s". */
    elapsed(task: T): string;
    /** Stops redrawing; the live lines of tasks still running are drawn once more. */
    close(): void;
}

export interface ProgressOptions<T extends Task> {
    /** Before every line that stays and every plain line: "bench: ". */
    readonly prefix?: string;
    /** More on a task's live line, after its elapsed time: "3 resources done, 1 changing". */
    readonly detail?: (task: T) => string;
    /** Off a terminal, a line when a task starts and changes phase (true), or only the lines that stay (false). */
    readonly steps?: boolean;
    readonly now?: () => number;
    /** How often live lines are redrawn. */
    readonly intervalMs?: number;
}

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** One running task; `nameWidth` aligns the names of the tasks drawn together. */
export function liveLine(task: Task, now: number, width = 120, nameWidth = 0, detail = ""): string {
    const line = `  ${task.name.padEnd(nameWidth)}  ${task.phase}  ${seconds(now - task.startedMs)}${detail ? `  ${detail}` : ""}`;
    return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/** Plain lines, for logs and pipes. */
export class PlainProgress<T extends Task = Task> implements Progress<T> {
    private readonly prefix: string;
    private readonly steps: boolean;
    private readonly now: () => number;

    constructor(
        private readonly out: Writer,
        options: ProgressOptions<T> = {},
    ) {
        this.prefix = options.prefix ?? "";
        this.steps = options.steps ?? true;
        this.now = options.now ?? Date.now;
    }
    line(text: string): void {
        this.out.write(`${this.prefix}${text}\n`);
    }
    started(task: T): void {
        if (this.steps) this.line(`${task.name}: ${task.phase}`);
    }
    phase(task: T): void {
        if (this.steps) this.line(`${task.name}: ${task.phase} (${this.elapsed(task)})`);
    }
    finished(_task: T, line: string): void {
        this.line(line);
    }
    elapsed(task: T): string {
        return seconds(this.now() - task.startedMs);
    }
    close(): void {}
}

const CLEAR_LINE = "\x1b[2K";
const UP = (lines: number) => (lines > 0 ? `\x1b[${lines}A` : "");

/** Live lines on a terminal, redrawn every `intervalMs`. */
export class LiveProgress<T extends Task = Task> implements Progress<T> {
    private readonly running: T[] = [];
    private drawn = 0;
    private readonly timer: NodeJS.Timeout;
    private readonly prefix: string;
    private readonly now: () => number;

    constructor(
        private readonly out: Writer,
        private readonly options: ProgressOptions<T> = {},
    ) {
        this.prefix = options.prefix ?? "";
        this.now = options.now ?? Date.now;
        this.timer = setInterval(() => this.redraw(), options.intervalMs ?? 250);
        this.timer.unref();
    }

    line(text: string): void {
        this.redraw(text);
    }
    started(task: T): void {
        this.running.push(task);
        this.redraw();
    }
    phase(): void {
        this.redraw();
    }
    finished(task: T, line: string): void {
        const index = this.running.indexOf(task);
        if (index >= 0) this.running.splice(index, 1);
        this.redraw(line);
    }
    elapsed(task: T): string {
        return seconds(this.now() - task.startedMs);
    }
    close(): void {
        clearInterval(this.timer);
        this.redraw();
    }

    /** Erases the live lines, prints `permanent` if given, then draws the running tasks again. */
    redraw(permanent?: string): void {
        // Nothing live and nothing new: nothing to write (a timer tick between tasks).
        if (permanent === undefined && this.drawn === 0 && this.running.length === 0) return;
        let text = UP(this.drawn);
        for (let i = 0; i < this.drawn; i++) text += `${CLEAR_LINE}\n`;
        text += UP(this.drawn);
        if (permanent !== undefined) text += `${this.prefix}${permanent}\n`;
        const width = (this.out.columns ?? 120) - 1;
        const nameWidth = Math.max(0, ...this.running.map((task) => task.name.length));
        for (const task of this.running) text += `${liveLine(task, this.now(), width, nameWidth, this.options.detail?.(task))}\n`;
        this.drawn = this.running.length;
        this.out.write(text);
    }
}

/** Live lines on a terminal, plain lines elsewhere. */
export function progressFor<T extends Task = Task>(out: Writer, options: ProgressOptions<T> = {}): Progress<T> {
    return out.isTTY ? new LiveProgress(out, options) : new PlainProgress(out, options);
}
