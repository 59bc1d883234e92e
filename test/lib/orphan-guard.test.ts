// A provider host whose CLI was killed ends itself (lib/orphan-guard.js): on EPIPE on its
// standard streams — which otherwise loops for ever through the host's uncaught-error
// handler — and once its engine's address refuses connections.

import { strict as assert } from "assert";
import { spawn } from "child_process";
import { EventEmitter } from "events";
import * as net from "net";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { exitWhenOrphaned } = require("../../lib/orphan-guard");

const GUARD = path.join(__dirname, "..", "..", "lib", "orphan-guard.js");

async function until(condition: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !condition(); waited += 20) {
        if (waited > 10_000) assert.fail(`never: ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}

describe("lib: a provider host ends once its CLI is gone", () => {
    it("exits on EPIPE on a standard stream, and not on another stream error", () => {
        const exits: number[] = [];
        const streams = [new EventEmitter(), new EventEmitter()];
        const stop = exitWhenOrphaned(undefined, { streams, exit: (code: number) => exits.push(code) });
        streams[1].emit("error", Object.assign(new Error("write EAGAIN"), { code: "EAGAIN" }));
        assert.deepEqual(exits, []);
        streams[1].emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
        assert.deepEqual(exits, [1]);
        stop();
    });

    it("exits once the engine's address refuses connections, not while it accepts them", async () => {
        const engine = net.createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => engine.listen(0, "127.0.0.1", resolve));
        const { port } = engine.address() as net.AddressInfo;
        let connections = 0;
        engine.on("connection", () => connections++);
        const exits: number[] = [];
        const stop = exitWhenOrphaned(`127.0.0.1:${port}`, { streams: [], exit: (code: number) => exits.push(code), intervalMs: 10 });
        try {
            await until(() => connections >= 3, "three probes answered");
            assert.deepEqual(exits, [], "the engine is there");
            await new Promise((resolve) => engine.close(resolve));
            await until(() => exits.length > 0, "an exit after the engine closed");
            assert.equal(exits[0], 1);
        } finally {
            stop();
            engine.close();
        }
    });

    it("ends a real process whose stderr reader is gone instead of spinning in the host's uncaught-error handler", async () => {
        // The handler @pulumi/pulumi's cmd/dynamic-provider installs, then the guard, then
        // writes to stderr after its reader went away.
        const script = `
            process.on("uncaughtException", (err) => console.error(err.stack || String(err)));
            require(${JSON.stringify(GUARD)}).exitWhenOrphaned(undefined);
            process.stdin.once("data", () => setInterval(() => console.error("still here"), 5));
        `;
        const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "ignore", "pipe"] });
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        child.stderr!.destroy();
        child.stdin!.write("go\n");
        const timeout = setTimeout(() => child.kill("SIGKILL"), 20_000);
        const code = await exited;
        clearTimeout(timeout);
        assert.equal(code, 1, "it exited on its own with status 1 (null: killed after 20 s of spinning)");
    });
});
