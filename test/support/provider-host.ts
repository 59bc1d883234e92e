// Runs Pulumi's real dynamic provider host (@pulumi/pulumi/cmd/dynamic-provider) in a
// child process and calls it over gRPC, as the engine does: Configure once, then
// Check / Diff / Create / Read / Update / Delete with __provider in the properties.

import * as net from "net";
import * as path from "path";

import { startProviderProcess } from "./provider-process";

const structproto = require("google-protobuf/google/protobuf/struct_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");

type Props = Record<string, unknown>;

export interface DiffAnswer {
    changes: "none" | "some" | "unknown";
    replaces: string[];
}

export interface ProviderHost {
    /** Everything the host printed after its port: progress lines from the providers. */
    readonly output: string[];
    configure(config: Record<string, string>): Promise<void>;
    check(olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
    diff(id: string, olds: Props, news: Props): Promise<DiffAnswer>;
    create(props: Props): Promise<{ id: string; properties: Props }>;
    read(id: string, props: Props): Promise<{ id: string; properties: Props }>;
    update(id: string, olds: Props, news: Props): Promise<Props>;
    delete(id: string, props: Props): Promise<void>;
    /** The engine's address stops accepting connections, as when a CLI is killed. */
    engineGone(): Promise<void>;
    /** The host's exit status once it has ended. */
    readonly exited: Promise<number | null>;
    stop(): Promise<void>;
}

const HOST = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

function struct(value: Props) {
    return structproto.Struct.fromJavaScript(value);
}

/** A Diff or Update request: the resource's id, the inputs it has and the inputs it is to have. */
function change(request: any, id: string, olds: Props, news: Props) {
    request.setId(id);
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    return request;
}

export async function startProviderHost(env: NodeJS.ProcessEnv): Promise<ProviderHost> {
    // The engine starts the host in the project directory; serialized providers
    // require("axios") and "@azure/identity" from there.
    // The host's first argument is its engine's address, which a host ends itself without
    // (lib/orphan-guard.js): a listener stands for the engine.
    const engine = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => engine.listen(0, "127.0.0.1", resolve));
    const engineAddress = `127.0.0.1:${(engine.address() as net.AddressInfo).port}`;
    const host = await startProviderProcess("dynamic provider host", [HOST, engineAddress], { cwd: PROJECT_ROOT, env });
    const { output, call } = host;
    const engineGone = () => new Promise<void>((resolve) => engine.close(() => resolve()));

    return {
        output,
        engineGone,
        exited: host.exited,
        async configure(config) {
            const request = new provproto.ConfigureRequest();
            request.setArgs(struct(config));
            await call("configure", request);
        },
        async check(olds, news) {
            const request = new provproto.CheckRequest();
            request.setOlds(struct(olds));
            request.setNews(struct(news));
            const response = await call<any>("check", request);
            return {
                inputs: response.getInputs().toJavaScript(),
                failures: response.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
            };
        },
        async diff(id, olds, news) {
            const response = await call<any>("diff", change(new provproto.DiffRequest(), id, olds, news));
            const changes = { [provproto.DiffResponse.DiffChanges.DIFF_NONE]: "none", [provproto.DiffResponse.DiffChanges.DIFF_SOME]: "some" }[
                response.getChanges()
            ];
            return { changes: (changes ?? "unknown") as DiffAnswer["changes"], replaces: response.getReplacesList() };
        },
        async create(props) {
            const request = new provproto.CreateRequest();
            request.setProperties(struct(props));
            const response = await call<any>("create", request);
            return { id: response.getId(), properties: response.getProperties().toJavaScript() };
        },
        async read(id, props) {
            const request = new provproto.ReadRequest();
            request.setId(id);
            request.setProperties(struct(props));
            const response = await call<any>("read", request);
            return { id: response.getId(), properties: response.getProperties()?.toJavaScript() ?? {} };
        },
        async update(id, olds, news) {
            const response = await call<any>("update", change(new provproto.UpdateRequest(), id, olds, news));
            return response.getProperties().toJavaScript();
        },
        async delete(id, props) {
            const request = new provproto.DeleteRequest();
            request.setId(id);
            request.setProperties(struct(props));
            await call("delete", request);
        },
        async stop() {
            await host.stop();
            if (engine.listening) await engineGone();
        },
    };
}
