// What a resource type or function of the stand-in implements; server.ts turns these
// into the engine's gRPC calls.

import { GraphClient } from "./graph";
import { CheckFailure, DiffResult, Props } from "./properties";

export interface OperationContext {
    readonly graph: GraphClient;
    /** No request starts after this time (ms since epoch): the operation's timeout. */
    readonly deadline: number;
}

export interface ReadResult {
    readonly id: string;
    readonly outputs: Props;
    readonly inputs: Props;
}

export interface ResourceType {
    readonly token: string;
    check(news: Props): CheckFailure[];
    diff(olds: Props, news: Props): DiffResult;
    /** Outputs as planned during a preview: inputs, with what only the service knows left unknown. */
    plan(inputs: Props): Props;
    create(inputs: Props, context: OperationContext): Promise<{ id: string; outputs: Props }>;
    /** undefined when the object is gone, so that refresh drops it from the state. */
    read(id: string, context: OperationContext): Promise<ReadResult | undefined>;
    delete(id: string, context: OperationContext): Promise<void>;
}

export interface FunctionType {
    readonly token: string;
    check(args: Props): CheckFailure[];
    invoke(args: Props, context: OperationContext): Promise<Props>;
}

/**
 * The object was created but did not become ready: the engine records it (with this id)
 * so the next run does not create a second one, as the real provider's partial state does.
 */
export class ResourceInitError extends Error {
    constructor(
        message: string,
        readonly id: string,
        readonly outputs: Props,
    ) {
        super(message);
        this.name = "ResourceInitError";
    }
}
