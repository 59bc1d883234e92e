// Stack traces formatted once per distinct stack. Pulumi's SDK takes a stack trace for
// every promise it tracks (runtime/debuggable.js: several per resource registered), and
// with source-map-support installed each one maps its ten frames through the source
// maps. At 1,000 environments that was about 2 s of the program's CPU, all of it before
// its first registration reached the engine: the component's constructor registers
// every resource at once. The stacks repeat (the same lines, resource after resource),
// so the mapped text of each distinct stack is kept and reused: the same text, mapped
// to the TypeScript source as before, at the cost of reading the raw frames.
//
// Plain JavaScript: compile-cache.js installs it, before anything compiles TypeScript.
"use strict";

const DEFAULT_LIMIT = 2000;

/** The first line source-map-support writes: `<name>: <message>`. */
function headerOf(error) {
    return `${(error && error.name) || "Error"}: ${(error && error.message) || ""}`;
}

/**
 * Wraps the process's stack trace formatter (Error.prepareStackTrace, set by
 * source-map-support) so that a stack whose raw frames were formatted before gets the
 * same frames' text again. The key is every raw frame as V8 writes it (file, line,
 * column, names): the mapped text depends only on them, each frame's name on the frame
 * that called it. Keeps at most `limit` stacks, then starts over. Returns false when
 * there is no formatter to wrap, or it is wrapped already.
 */
exports.cacheStackTraces = function cacheStackTraces(limit = DEFAULT_LIMIT) {
    const format = Error.prepareStackTrace;
    if (typeof format !== "function" || format.cachesStackTraces) return false;
    const framesByStack = new Map();
    const cached = function prepareStackTrace(error, frames) {
        // Someone calling the formatter by hand with frames of their own: theirs to format.
        if (!Array.isArray(frames)) return format(error, frames);
        const key = frames.map(String).join("\n");
        const header = headerOf(error);
        let text = framesByStack.get(key);
        if (text === undefined) {
            const whole = format(error, frames);
            // A formatter that writes something else than header and frames is left to itself.
            if (typeof whole !== "string" || !whole.startsWith(header)) return whole;
            text = whole.slice(header.length);
            if (framesByStack.size >= limit) framesByStack.clear();
            framesByStack.set(key, text);
        }
        return header + text;
    };
    cached.cachesStackTraces = true;
    Error.prepareStackTrace = cached;
    return true;
};
