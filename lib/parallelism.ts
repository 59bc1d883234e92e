// How many resource operations a `pulumi up` of one tenant should run at once, from its
// number of environments: one rule for the fleet (which passes it), the program's preview
// (which tells a user who runs `pulumi up` by hand what to pass) and the benchmark.
//
// Why the engine's default is too low for large tenants: each environment is a chain of
// two operations, its user (about 1.5 s, most of it Power Platform syncing the user into
// Dataverse) and then its role (about 0.2 s), and the engine runs at most `--parallel`
// operations at once (unset: 4 × the CPUs, 8 on a 2-core runner). The chains mostly wait
// on the tenant, so a first update of N environments takes about N / parallel rounds of
// a chain, plus the fixed start-up and the CPU the engine and the provider host spend per
// operation. Measured with `npm run bench` (50 ms per request, users synced after 1 s, 2
// CPUs; docs/large-tenants.md has the tables):
//
//   100 environments, first update   31 s at 8 (the default), 19 s at 32
//   300 environments, first update   95 s at 8
//   1,000 environments at 48         first update 223 s, no change 19 s, refresh 42 s on a
//                                    quiet machine; 181 s with the state compressed
//                                    (lib/state-compression.ts); at 64 under load, 600 s
//
// So the parallelism pays up to a few hundred environments: one operation per 8
// environments keeps a first update to about 8 rounds of a chain. Beyond that the engine
// itself bounds the update, not the parallelism: on a self-managed backend it rewrites
// the whole checkpoint after every step, one save at a time (79 % of the CLI's CPU in a
// profile at 1,000 environments), so more operations at once only queue for those saves.
//
// What it may not exceed: Dataverse allows one user 52 concurrent requests per web server
// (`0x80072326`). Each environment is its own Dataverse organization, and the program
// sends it one request at a time (an environment's role waits for its user, and each
// operation's requests follow one another), so the concurrency any one environment sees
// stays 1 whatever the parallelism; the cap below also keeps the whole update under 52
// requests in flight to Dataverse, so it holds even if every environment of a tenant were
// served by one web server. BAP publishes no limit; Graph sees a fixed handful of
// requests per update (the tenant-wide directory roles), whatever the number of
// environments.

/** The engine's --parallel when unset: four times the number of CPUs (measured: 8 on 2 CPUs, what the program sees). */
export const ENGINE_DEFAULT_PARALLEL_PER_CPU = 4;

/** Up to this many environments the engine's default on a 2-core runner (8) is within a few seconds of any higher value. */
export const ENGINE_DEFAULT_ENOUGH_UP_TO = 50;

/** Environments per parallel operation: ceil(environments / this) rounds of a chain. */
export const ENVIRONMENTS_PER_OPERATION = 8;

/** No tenant gets more: below Dataverse's 52 concurrent requests per user per web server (see above). */
export const MAX_RECOMMENDED_PARALLEL = 48;

/** The smallest value recommended: the engine's default on a 2-core runner. */
export const MIN_RECOMMENDED_PARALLEL = 8;

/**
 * The --parallel recommended for a tenant of `environments` environments; undefined
 * when the engine's default is enough (a small tenant), so a machine with more CPUs keeps
 * its own higher default.
 */
export function recommendedParallel(environments: number): number | undefined {
    if (!Number.isFinite(environments) || environments <= ENGINE_DEFAULT_ENOUGH_UP_TO) return undefined;
    return Math.min(MAX_RECOMMENDED_PARALLEL, Math.max(MIN_RECOMMENDED_PARALLEL, Math.ceil(environments / ENVIRONMENTS_PER_OPERATION)));
}

/**
 * The parallelism the engine gave this program run: @pulumi/pulumi's runner sets
 * PULUMI_NODEJS_PARALLEL from the language host's --parallel, which carries the CLI's
 * `--parallel` (or PULUMI_PARALLEL), else its default. Undefined when absent or not a
 * positive number (then only the count of environments can speak).
 */
export function engineParallel(env: Readonly<Record<string, string | undefined>>): number | undefined {
    const raw = env.PULUMI_NODEJS_PARALLEL?.trim();
    if (!raw || !/^\d+$/.test(raw)) return undefined;
    const value = Number(raw);
    return value >= 1 ? value : undefined;
}

/**
 * What the preview tells a user whose run does fewer operations at once than recommended
 * for `environments`; undefined when it does enough (or the engine's default is enough).
 * `running` is engineParallel(), undefined when the program cannot tell.
 */
export function parallelAdvice(environments: number, running: number | undefined): string | undefined {
    const recommended = recommendedParallel(environments);
    if (recommended === undefined || (running !== undefined && running >= recommended)) return undefined;
    const now = running === undefined ? "" : ` and this run does at most ${running} resource operations at once`;
    return (
        `${environments} environments to serve${now}: run \`pulumi up --parallel ${recommended}\` (or set PULUMI_PARALLEL=${recommended}) ` +
        `so that more environments are served at once; each waits about a second for Power Platform, and a first update takes about ` +
        `${Math.ceil(environments / (running ?? MIN_RECOMMENDED_PARALLEL))} rounds of that wait at ${running ?? `the default of ${MIN_RECOMMENDED_PARALLEL} on 2 CPUs`}, ` +
        `${Math.ceil(environments / recommended)} at ${recommended}.`
    );
}
