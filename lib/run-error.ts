// The error a known failure ends a run with: its message alone, without stack frames.
//
// Pulumi hides a RunError's stack from the user, but its runtime still formats every
// uncaught error with util.inspect (colours on) for its trace. Node 20's inspect spends
// tens of seconds on a frame that source maps place at node_modules/@pulumi/resource.ts,
// and every error raised under the stack's initialisation has one: with the tenant's
// hosts down, the one-line "cannot reach" error took 34 s to be reported instead of
// under a second. A stack of the message alone costs nothing to format.

import * as pulumi from "@pulumi/pulumi";

export function runError(message: string): pulumi.RunError {
    const error = new pulumi.RunError(message);
    error.stack = `RunError: ${message}`;
    return error;
}
