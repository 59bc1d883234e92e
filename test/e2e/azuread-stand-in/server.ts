// The gRPC ResourceProvider service the Pulumi engine talks to, mapped onto the
// stand-in's resource types and functions. Every RPC not listed here answers
// UNIMPLEMENTED, which the engine handles as for any provider that predates it
// (Handshake included: the engine then learns the protocol from Configure).

import * as grpc from "@grpc/grpc-js";
import * as anyproto from "google-protobuf/google/protobuf/any_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";

import { Props, secretKeys, unwrapSecrets, wrapSecrets } from "./properties";
import { FUNCTIONS, RESOURCE_TYPES, StandInProvider } from "./provider";
import { ResourceInitError, ResourceType } from "./types";

/** The version of the real plugin this stands in for (node_modules/@pulumi/azuread). */
export const PLUGIN_VERSION = "6.9.1";

type Callback = (error: grpc.ServiceError | null, value?: unknown, trailer?: grpc.Metadata) => void;
type Call = { request: any };
type Handler = (call: Call, callback: Callback) => void;

const toStruct = (props: Props) => structproto.Struct.fromJavaScript(props as Record<string, structproto.JavaScriptValue>);
const fromStruct = (struct: structproto.Struct | undefined): Props => (struct ? (struct.toJavaScript() as Props) : {});

function serviceError(code: grpc.status, message: string, metadata = new grpc.Metadata()): grpc.ServiceError {
    return Object.assign(new Error(message), { code, details: message, metadata });
}

function resourceType(token: string): ResourceType {
    const found = RESOURCE_TYPES.get(token);
    if (!found) {
        throw new Error(`unknown resource type ${token}: this test stand-in for the azuread provider implements only ${[...RESOURCE_TYPES.keys()].join(", ")}`);
    }
    return found;
}

/** The engine records a half-created resource from these details (as Pulumi's own providers send them). */
function initFailedError(error: ResourceInitError, message: string): grpc.ServiceError {
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(error.id);
    detail.setProperties(toStruct(error.outputs));
    detail.setReasonsList([message]);
    const packed = new anyproto.Any();
    packed.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(packed);
    const metadata = new grpc.Metadata();
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    return serviceError(grpc.status.UNKNOWN, message, metadata);
}

export function createService(provider: StandInProvider, env: NodeJS.ProcessEnv): Record<string, Handler> {
    /** Runs an async handler; any error becomes an UNKNOWN status whose message has no secret in it. */
    const unary =
        (handle: (request: any) => Promise<unknown> | unknown): Handler =>
        (call, callback) => {
            Promise.resolve()
                .then(() => handle(call.request))
                .then(
                    (response) => callback(null, response),
                    (error: unknown) => {
                        const message = provider.redact(error instanceof Error ? error.message : String(error));
                        if (error instanceof ResourceInitError) {
                            const failed = initFailedError(error, message);
                            callback(failed, null, failed.metadata);
                        } else {
                            callback(serviceError(grpc.status.UNKNOWN, message));
                        }
                    },
                );
        };

    return {
        getPluginInfo: unary(() => new plugproto.PluginInfo().setVersion(PLUGIN_VERSION)),

        // The engine needs a schema only to generate SDKs or to convert programs; the
        // SDK in node_modules already exists.
        getSchema: unary(() => new provproto.GetSchemaResponse().setSchema("{}")),

        checkConfig: unary((request: provproto.CheckRequest) => new provproto.CheckResponse().setInputs(request.getNews())),

        diffConfig: unary((request: provproto.DiffRequest) => {
            const olds = unwrapSecrets(fromStruct(request.getOlds())) as Props;
            const news = unwrapSecrets(fromStruct(request.getNews())) as Props;
            const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
            // A changed setting re-configures the provider; none forces resources to be replaced.
            return new provproto.DiffResponse()
                .setChanges(changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
                .setDiffsList(changed);
        }),

        configure: unary(async (request: provproto.ConfigureRequest) => {
            const variables = new Map<string, string>();
            request.getVariablesMap().forEach((value: string, key: string) => variables.set(key, value));
            await provider.configure(fromStruct(request.getArgs()), variables, env);
            return new provproto.ConfigureResponse().setAcceptsecrets(true).setSupportspreview(true).setAcceptresources(false);
        }),

        check: unary((request: provproto.CheckRequest) => {
            const news = fromStruct(request.getNews());
            const failures = resourceType(request.getType() || typeFromUrn(request.getUrn())).check(unwrapSecrets(news) as Props);
            return new provproto.CheckResponse()
                .setInputs(request.getNews())
                .setFailuresList(failures.map((f) => new provproto.CheckFailure().setProperty(f.property).setReason(f.reason)));
        }),

        diff: unary((request: provproto.DiffRequest) => {
            const type = resourceType(request.getType() || typeFromUrn(request.getUrn()));
            const ignored = new Set(request.getIgnorechangesList());
            const diff = type.diff(unwrapSecrets(fromStruct(request.getOlds())) as Props, unwrapSecrets(fromStruct(request.getNews())) as Props);
            const changed = diff.changed.filter((key) => !ignored.has(key));
            const response = new provproto.DiffResponse()
                .setChanges(changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
                .setReplacesList(diff.replaces.filter((key) => !ignored.has(key)))
                .setDiffsList(changed)
                .setDeletebeforereplace(false)
                .setHasdetaileddiff(true);
            for (const key of changed) {
                response.getDetaileddiffMap().set(key, new provproto.PropertyDiff().setKind(provproto.PropertyDiff.Kind.UPDATE_REPLACE).setInputdiff(true));
            }
            return response;
        }),

        create: unary(async (request: provproto.CreateRequest) => {
            const type = resourceType(request.getType() || typeFromUrn(request.getUrn()));
            const raw = fromStruct(request.getProperties());
            const secrets = secretKeys(raw);
            const inputs = unwrapSecrets(raw) as Props;
            if (request.getPreview()) {
                return new provproto.CreateResponse().setId("").setProperties(toStruct(wrapSecrets(type.plan(inputs), secrets)));
            }
            const created = await type.create(inputs, await provider.context(request.getTimeout()));
            return new provproto.CreateResponse().setId(created.id).setProperties(toStruct(wrapSecrets(created.outputs, secrets)));
        }),

        read: unary(async (request: provproto.ReadRequest) => {
            const type = resourceType(request.getType() || typeFromUrn(request.getUrn()));
            const secrets = new Set([...secretKeys(fromStruct(request.getProperties())), ...secretKeys(fromStruct(request.getInputs()))]);
            const found = await type.read(request.getId(), await provider.context(request.getTimeout()));
            // No id: the object is gone, and refresh drops it from the state.
            if (!found) return new provproto.ReadResponse().setId("");
            return new provproto.ReadResponse()
                .setId(found.id)
                .setProperties(toStruct(wrapSecrets(found.outputs, secrets)))
                .setInputs(toStruct(wrapSecrets(found.inputs, secrets)));
        }),

        update: unary((request: provproto.UpdateRequest) => {
            throw new Error(`${request.getUrn()}: every input of ${request.getType()} forces replacement; an in-place update is never planned`);
        }),

        delete: unary(async (request: provproto.DeleteRequest) => {
            const type = resourceType(request.getType() || typeFromUrn(request.getUrn()));
            await type.delete(request.getId(), await provider.context(request.getTimeout()));
            return new emptyproto.Empty();
        }),

        invoke: unary(async (request: provproto.InvokeRequest) => {
            const fn = FUNCTIONS.get(request.getTok());
            if (!fn) {
                throw new Error(
                    `unknown function ${request.getTok()}: this test stand-in for the azuread provider implements only ${[...FUNCTIONS.keys()].join(", ")}`,
                );
            }
            const args = unwrapSecrets(fromStruct(request.getArgs())) as Props;
            const failures = fn.check(args);
            if (failures.length > 0) {
                return new provproto.InvokeResponse().setFailuresList(
                    failures.map((f) => new provproto.CheckFailure().setProperty(f.property).setReason(f.reason)),
                );
            }
            try {
                return new provproto.InvokeResponse().setReturn(toStruct(await fn.invoke(args, await provider.context(0))));
            } catch (error) {
                // The wording of the Terraform bridge, so messages read as with the real plugin.
                throw new Error(`invoking ${request.getTok()}: 1 error occurred:\n\t* ${(error as Error).message}`);
            }
        }),

        cancel: unary(() => new emptyproto.Empty()),
        getMapping: unary(() => new provproto.GetMappingResponse().setProvider("").setData(new Uint8Array())),
        getMappings: unary(() => new provproto.GetMappingsResponse().setProvidersList([])),
    };
}

/** "urn:pulumi:stack::project::parent$type::name" → "type". */
function typeFromUrn(urn: string): string {
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? "";
}

/** Binds the service to a loopback port and returns the port. */
export async function startServer(provider: StandInProvider, env: NodeJS.ProcessEnv): Promise<{ port: number; server: grpc.Server }> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024, "grpc.max_send_message_length": 400 * 1024 * 1024 });
    const implemented = createService(provider, env);
    const definition = provrpc.ResourceProviderService as unknown as Record<string, { path: string; responseStream: boolean }>;
    const implementation: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(definition)) {
        const rpcName = method.path.split("/").pop();
        implementation[name] =
            implemented[name] ??
            (method.responseStream
                ? (stream: grpc.ServerWritableStream<unknown, unknown>) =>
                      stream.emit("error", serviceError(grpc.status.UNIMPLEMENTED, `${rpcName} is not implemented by the azuread stand-in`))
                : (_call: Call, callback: Callback) =>
                      callback(serviceError(grpc.status.UNIMPLEMENTED, `${rpcName} is not implemented by the azuread stand-in`)));
    }
    server.addService(provrpc.ResourceProviderService as unknown as grpc.ServiceDefinition, implementation as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    return { port, server };
}
