// A provider host whose Pulumi CLI was killed (SIGKILL, a cancelled runner, a machine
// that lost its session) is stopped by no one: the CLI starts its plugins in process
// groups of their own, and nothing tells them the engine is gone. Left alone, such a host
// idles for ever; and once anything writes to its closed stderr, the host's own
// uncaught-error handler (@pulumi/pulumi cmd/dynamic-provider) writes each EPIPE there
// again, which raises another: a core at full load and memory growing without end. This
// ends such a host: on EPIPE on its standard streams, and once its engine (the address
// the host was started with) no longer accepts connections.
"use strict";

const net = require("net");

/** How often the engine is asked whether it is still there: a TCP connect, closed at once. */
const PROBE_INTERVAL_MS = 5000;

function parseAddress(address) {
    const match = /^(.+):(\d+)$/.exec(address || "");
    return match ? { host: match[1], port: Number(match[2]) } : undefined;
}

/**
 * Exits (status 1) once the CLI is gone. Returns a function that stops the engine probe.
 * `streams`, `exit` and `intervalMs` are for tests; a provider host passes only its engine's address.
 */
exports.exitWhenOrphaned = function exitWhenOrphaned(
    engineAddress,
    { streams = [process.stdout, process.stderr], exit = (code) => process.exit(code), intervalMs = PROBE_INTERVAL_MS } = {},
) {
    for (const stream of streams) {
        stream.on("error", (error) => {
            if (error && error.code === "EPIPE") exit(1);
        });
    }
    const engine = parseAddress(engineAddress);
    if (!engine) return () => undefined;
    const timer = setInterval(() => {
        const socket = net.connect(engine.port, engine.host);
        socket.once("connect", () => socket.destroy());
        socket.once("error", (error) => {
            socket.destroy();
            if (error.code === "ECONNREFUSED") exit(1);
        });
    }, intervalMs);
    // Never what keeps a host alive.
    timer.unref();
    return () => clearInterval(timer);
};
