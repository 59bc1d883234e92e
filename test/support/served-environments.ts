// Which of a seed's environments the program gives the account access in, read from the
// seed's kind and state fields (emulator/README.md, "Environment kinds and states"): the
// demo tenant also has a Dataverse for Teams environment and one whose Dataverse is still
// being provisioned, which the program skips. Tests that count or walk the environments
// the account gets use this; the skipped ones are checked to stay untouched.

/** The seed fields that decide (emulator/seed/types.ts), loosely typed: seeds are often read as plain JSON. */
interface SeedEnvironment {
    /** Whatever else the seed gives (id, displayName, securityGroupId, …). */
    readonly [field: string]: any;
    readonly id: string;
    readonly sku?: string;
    readonly dataverse?: boolean;
    readonly runtimeState?: string;
    readonly provisioningState?: string;
    readonly managementState?: string;
    readonly instanceState?: string;
}

/** True when the program serves the environment: with Dataverse, not Teams, provisioned, ready, idle and not disabled. */
export function isServed(environment: SeedEnvironment): boolean {
    return (
        environment.dataverse !== false &&
        environment.sku !== "Teams" &&
        (environment.provisioningState ?? "Succeeded") === "Succeeded" &&
        (environment.instanceState ?? "Ready") === "Ready" &&
        (environment.managementState ?? "Ready") !== "Running" &&
        (environment.runtimeState ?? "Enabled") !== "Disabled"
    );
}

/** The environments the program serves, in the seed's order. */
export function servedEnvironments<T extends SeedEnvironment>(seed: { environments?: T[] }): T[] {
    return (seed.environments ?? []).filter(isServed);
}

/** The environments the program skips, in the seed's order. */
export function skippedEnvironments<T extends SeedEnvironment>(seed: { environments?: T[] }): T[] {
    return (seed.environments ?? []).filter((environment) => !isServed(environment));
}
