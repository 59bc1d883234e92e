// The --parallel each tenant's Pulumi run gets from the fleet (lib/parallelism.ts
// recommends it from the number of environments). The user's own --parallel wins;
// otherwise the tenant's number of environments comes from, in this order:
//
//   its stack file   listed ids: as many environments as ids
//   its state        ["*"]: the environments its last update served (the checkpoint the
//                    pre-run check exported, so no further CLI run)
//   its tenant       ["*"] on a stack never updated: the environments the program would
//                    serve now, from one read-only listing (the program's own clients and plan)
//
// Small tenants get no flag: the engine's default (4 × the CPUs) is enough for them, and
// a machine with more CPUs keeps its higher default.

import type { ProgramConfig } from "../lib/config";
import { planEnvironments } from "../lib/environment-plan";
import { parseStackResourceOutputs, environmentsInState } from "../lib/previous-state";
import { recommendedParallel } from "../lib/parallelism";
import { ClientSettings, createClientContext, listEnvironments, messageOf, readOnlySettings } from "../providers";

export interface ParallelChoice {
    /** The --parallel to pass; undefined: none (the engine's default). */
    readonly parallel: number | undefined;
    /** Why, for the tenant's progress line and log: "1000 environments in its last update", "as asked". */
    readonly why: string;
}

/** The environments a checkpoint (`pulumi stack export`'s `deployment`) serves: those holding a user or a role. */
export function environmentsInCheckpoint(deployment: unknown): number {
    const resources = ((deployment ?? {}) as { resources?: unknown[] }).resources ?? [];
    // The checkpoint's resources in the shape the program reads its previous state in.
    const outputs = Object.fromEntries(
        resources.map((entry) => {
            const resource = entry as { urn?: string; type?: string; outputs?: unknown };
            return [resource.urn ?? "", { type: resource.type, outputs: resource.outputs }];
        }),
    );
    return environmentsInState(parseStackResourceOutputs({ outputs })).size;
}

/** The environments the program would serve now in a ["*"] tenant: one read-only listing, planned as the program plans it. */
export async function environmentsToServe(config: ProgramConfig, clientSettings: ClientSettings, log: (line: string) => void): Promise<number> {
    const context = await createClientContext(readOnlySettings(clientSettings), { log });
    const listed = await listEnvironments(context);
    try {
        return planEnvironments(config.environments, listed).targets.length;
    } catch {
        // A selection the program will refuse (a mistyped exclusion): its run says why; the listing bounds the count.
        return listed.length;
    }
}

export interface ParallelInputs {
    /** The fleet's --parallel, when the user gave one. */
    readonly requested: number | undefined;
    /** The stack's settings as the program reads them; undefined when refused (then no count). */
    readonly config: ProgramConfig | undefined;
    /** The stack's exported checkpoint. */
    readonly deployment: unknown;
    /** Counts the environments to serve from the tenant itself (environmentsToServe), for a ["*"] stack never updated. */
    readonly countInTenant: () => Promise<number>;
    readonly log: (line: string) => void;
}

function choice(environments: number, source: string): ParallelChoice {
    return { parallel: recommendedParallel(environments), why: `${environments} environment${environments === 1 ? "" : "s"} ${source}` };
}

/** The command as the tenant's progress line shows it: "pulumi up --parallel 64 (1000 environments in its last update)". */
export function describeRun(command: string, chosen: ParallelChoice): string {
    return chosen.parallel === undefined
        ? `${command} (engine's default --parallel: ${chosen.why})`
        : `${command} --parallel ${chosen.parallel} (${chosen.why})`;
}

/** The --parallel for one tenant's run, and why. */
export async function chooseParallel(inputs: ParallelInputs): Promise<ParallelChoice> {
    if (inputs.requested !== undefined) return { parallel: inputs.requested, why: "as asked" };
    const { config } = inputs;
    if (!config) return { parallel: undefined, why: "the stack's settings were refused" };
    if (config.environments.kind === "listed") return choice(config.environments.ids.length, "listed in its stack file");
    const inState = environmentsInCheckpoint(inputs.deployment);
    if (inState > 0) return choice(inState, "in its last update");
    try {
        return choice(await inputs.countInTenant(), "to serve in the tenant");
    } catch (error) {
        inputs.log(`could not count the tenant's environments, so its run takes the engine's default --parallel: ${messageOf(error)}`);
        return { parallel: undefined, why: "the tenant's environments could not be counted" };
    }
}
