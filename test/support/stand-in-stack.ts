// A tenant run of the fleet on a stand-in stack: no Pulumi engine, no state backend. Every
// Automation API method the fleet calls on the stack goes to the test's `call`, which
// records it and answers as the test's scenario wants, so a test sees exactly which
// commands the fleet ran for the tenant and with which options.

import type { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

import type { TenantRun } from "../../fleet/operations";
import type { StackLock } from "../../fleet/stack-health";

/** Answers one Automation API call on the stand-in stack: the method's name and its options (none: {}). */
export type StandInCall = (method: string, options: Record<string, unknown>) => Promise<unknown>;

/** The run of tenant "contoso" on a stack whose methods all go to `call`, with `locks` as its lock files. */
export function standInRun(call: StandInCall, locks: StackLock[] = []): TenantRun {
    const stack = new Proxy(
        { name: "organization/d365-backup-access/contoso" },
        {
            get: (target, property) =>
                property in target ? target[property as keyof typeof target] : async (options: Record<string, unknown> = {}) => call(String(property), options),
        },
    ) as unknown as Stack;
    return {
        stack,
        workspace: {} as LocalWorkspace,
        readLocks: async () => locks,
        repairHistory: async () => 0,
        policyPacks: [],
        name: "contoso",
        activity: { name: "contoso", startedMs: 0, phase: "", done: 0, changing: 0 },
        logFile: "contoso.log",
        log: () => undefined,
        phase: () => undefined,
    };
}
