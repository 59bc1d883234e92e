// A mocha root hook: every error and log line that any test produces is checked for
// the secrets in play, so a secret leaking into a message no test thought to check
// fails the suite. Secrets are registered from every tenant the emulator starts with
// (operator and application client secrets) and by the harnesses that pass secrets
// to child processes; the text checked is:
//   - every error built with the providers' accessError (every failure message of the
//     clients and providers goes through it),
//   - everything written to this process's standard output and error, and the lines
//     tests capture instead of printing (provider output, progress lines),
//   - the output and errors of child processes the harnesses run (programs under
//     mocks, provider hosts).
// A leak fails the test that produced it; the failure shows where, never the secret.

import * as emulator from "../../emulator";
// The defining module, not the providers' public entry: the guard replaces its
// accessError, and every caller inside the providers reads it from there.
import * as errors from "../../providers/transport/errors";

const secrets = new Set<string>();
const leaks: string[] = [];

/** Secrets shorter than this are too likely to occur by chance. */
const MIN_SECRET_LENGTH = 8;

export function registerSecret(value: unknown): void {
    if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Records a leak when `text` holds a registered secret; `where` says what produced it. */
export function inspectForSecrets(where: string, text: unknown): void {
    if (typeof text !== "string" && !Buffer.isBuffer(text)) return;
    const value = String(text);
    for (const secret of secrets) {
        if (value.includes(secret)) {
            leaks.push(`${where}: ${value.split(secret).join("[THE SECRET]").slice(0, 400)}`);
        }
    }
}

/** Leaks recorded since the last call, cleared (the guard's own test uses it). */
export function takeLeaks(): string[] {
    return leaks.splice(0, leaks.length);
}

function install(): void {
    const startEmulator = emulator.startEmulator;
    (emulator as { startEmulator: typeof startEmulator }).startEmulator = (seed, options) => {
        const tenant = seed as { operator?: { clientSecret?: unknown }; applications?: { clientSecret?: unknown }[] };
        registerSecret(tenant?.operator?.clientSecret);
        for (const application of tenant?.applications ?? []) registerSecret(application.clientSecret);
        return startEmulator(seed, options);
    };

    const accessError = errors.accessError;
    (errors as { accessError: typeof accessError }).accessError = (kind, details) => {
        const error = accessError(kind, details);
        inspectForSecrets(`an error (${kind})`, error.message);
        return error;
    };

    for (const stream of [process.stdout, process.stderr]) {
        const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
        (stream as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
            inspectForSecrets(stream === process.stdout ? "standard output" : "standard error", chunk);
            return write(chunk, ...rest);
        };
    }
}

install();

export const mochaHooks = {
    afterEach(this: Mocha.Context) {
        const found = takeLeaks();
        if (found.length) {
            throw new Error(`A configured secret appeared in text the test produced:\n${found.map((leak) => `  - ${leak}`).join("\n")}`);
        }
    },
};
