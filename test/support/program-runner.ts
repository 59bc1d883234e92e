// Spawns program-under-mocks.ts in its own process and returns what the program registered.

import { execFile } from "child_process";
import * as path from "path";

import { inspectForSecrets, registerSecret } from "./secret-guard";

export interface ProgramRun {
    resources: {
        urn: string;
        type: string;
        name: string;
        custom: boolean;
        inputs: Record<string, any>;
        dependencies: string[];
        importId?: string;
        retainOnDelete: boolean;
    }[];
    /** Each invoke with when it was called and answered (epoch ms). */
    invokes: { token: string; inputs: Record<string, any>; calledMs: number; answeredMs: number }[];
    outputs: Record<string, any>;
    error?: string;
    /** Resource registrations and outputs registrations (a component's registerOutputs), in the order sent to the engine. */
    sent: { kind: "resource" | "outputs"; name: string; outputs?: any }[];
    /** The program's pulumi.log.warn messages, in order (with no engine, the runtime writes them to standard error). */
    warnings: string[];
}

export interface ProgramRunOptions {
    /** Full config keys ("d365-backup-access:stage") to raw values; lists as JSON text. */
    config: Record<string, string>;
    /** Keys of `config` that are secret, as `pulumi config set --secret` marks them. */
    secretKeys?: string[];
    users?: { objectId: string; userPrincipalName: string }[];
    preview?: boolean;
    /** How long each mocked invoke (the previous state, the account's lookup) takes to answer. */
    invokeDelayMs?: number;
    /** The stack's last checkpoint, {<urn>: {type, outputs}}, as the engine's readStackResourceOutputs answers. */
    snapshot?: Record<string, { type: string; outputs: Record<string, unknown> }>;
    /** Extra environment: the tenant emulator's variables. */
    env?: Record<string, string>;
}

const HARNESS = path.join(__dirname, "program-under-mocks.ts");

export function runProgram(options: ProgramRunOptions): Promise<ProgramRun> {
    registerSecret(options.env?.ARM_CLIENT_SECRET);
    registerSecret(options.config["azuread:clientSecret"]);
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", HARNESS],
            {
                env: {
                    ...process.env,
                    ...options.env,
                    PROGRAM_CONFIG: JSON.stringify(options.config),
                    PROGRAM_SECRET_KEYS: JSON.stringify(options.secretKeys ?? []),
                    PROGRAM_USERS: JSON.stringify(options.users ?? []),
                    PROGRAM_PREVIEW: String(options.preview ?? false),
                    PROGRAM_INVOKE_DELAY_MS: String(options.invokeDelayMs ?? 0),
                    PROGRAM_SNAPSHOT: JSON.stringify(options.snapshot ?? {}),
                },
                cwd: path.join(__dirname, "..", ".."),
                maxBuffer: 16 * 1024 * 1024,
            },
            (error, stdout, stderr) => {
                inspectForSecrets("a program run's output", stdout);
                inspectForSecrets("a program run's error output", stderr);
                const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
                if (!line) {
                    reject(new Error(`program harness printed no result (${error?.message ?? "no error"}):\n${stderr}`));
                    return;
                }
                const warnings = stderr
                    .split("\n")
                    .filter((l) => l.startsWith("warning: [runtime] "))
                    .map((l) => l.slice("warning: [runtime] ".length));
                resolve({ ...JSON.parse(line.slice("RESULT ".length)), warnings });
            },
        );
    });
}
