// Starts a Pulumi resource provider in a child process and calls it over gRPC, as the
// engine does: the provider prints its port on the first line of standard output.
// Shared by the tests of Pulumi's dynamic provider host and of the azuread stand-in.

import { ChildProcess, spawn } from "child_process";

import { inspectForSecrets, registerSecret } from "./secret-guard";

const grpc = require("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");

export interface ProviderProcess {
    /** Every line the provider printed after its port, standard error included. */
    readonly output: string[];
    call<T = any>(method: string, request: unknown): Promise<T>;
    /** Its exit status once it has ended on its own or been stopped (null: by a signal). */
    readonly exited: Promise<number | null>;
    stop(): Promise<void>;
}

export async function startProviderProcess(label: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ProviderProcess> {
    const child: ChildProcess = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    registerSecret(options.env.ARM_CLIENT_SECRET);
    const output: string[] = [];
    const record = output.push.bind(output);
    output.push = (...lines: string[]) => {
        for (const line of lines) inspectForSecrets(`the ${label}'s output`, line);
        return record(...lines);
    };
    child.stderr!.on("data", (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
    const port = await new Promise<number>((resolve, reject) => {
        let buffer = "";
        let portSeen = false;
        child.stdout!.on("data", (chunk: Buffer) => {
            buffer += chunk.toString("utf8");
            let newline: number;
            while ((newline = buffer.indexOf("\n")) >= 0) {
                const line = buffer.slice(0, newline);
                buffer = buffer.slice(newline + 1);
                if (portSeen) output.push(line);
                else {
                    portSeen = true;
                    resolve(Number(line.trim()));
                }
            }
        });
        child.on("exit", (code) => reject(new Error(`${label} exited with ${code}: ${output.join("\n")}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const exited = new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
    return {
        output,
        exited,
        call: (method, request) =>
            new Promise((resolve, reject) => client[method](request, (error: Error | null, response: any) => (error ? reject(error) : resolve(response)))),
        async stop() {
            client.close();
            if (child.exitCode === null) {
                const exited = new Promise((resolve) => child.once("exit", resolve));
                child.kill("SIGTERM");
                await exited;
            }
        },
    };
}
