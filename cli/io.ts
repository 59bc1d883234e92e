// What a command reads and writes besides its arguments: two writers, the environment
// and the working directory. Commands take it as a parameter instead of reaching for
// `process`, so a test runs a command's main in process and reads what it printed.

/** Where a command writes: standard output or error, or a test's buffer. */
export interface Writer {
    write(text: string): unknown;
    /** A terminal: progress draws live lines there. */
    readonly isTTY?: boolean;
    /** The terminal's width, for live lines. */
    readonly columns?: number;
}

export interface CommandIo {
    /** The command's result: a table, a report, JSON. */
    readonly stdout: Writer;
    /** Progress, narration and errors, so standard output stays clean for --json. */
    readonly stderr: Writer;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly cwd: string;
}

export function processIo(): CommandIo {
    return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes `text` as a line. */
export function writeLine(writer: Writer, text = ""): void {
    writer.write(`${text}\n`);
}
