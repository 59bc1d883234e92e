// A command's io in memory, so a test runs the command's main(argv, io) in process and
// reads what it wrote to standard output and error.

import { CommandIo } from "../../cli/io";

export interface MemoryIo extends CommandIo {
    /** Everything written to standard output so far. */
    out(): string;
    /** Everything written to standard error so far. */
    err(): string;
}

export function memoryIo(options: { env?: Record<string, string | undefined>; cwd?: string; terminal?: boolean } = {}): MemoryIo {
    let out = "";
    let err = "";
    const terminal = options.terminal ? { isTTY: true, columns: 120 } : {};
    return {
        stdout: { write: (text: string) => (out += text), ...terminal },
        stderr: { write: (text: string) => (err += text), ...terminal },
        env: options.env ?? {},
        cwd: options.cwd ?? process.cwd(),
        out: () => out,
        err: () => err,
    };
}
