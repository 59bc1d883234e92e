// The check that runs before any Pulumi command that configures providers (preview, up,
// refresh, destroy) on one stack: `npm run fleet -- check` (the tenants workflow's step
// before its preview and its update), and first thing in every other fleet command.
//
// Why before: during a refresh (a preview or update with --refresh too) and a destroy,
// the CLI configures the azuread provider from the stack file's settings before the
// program runs and checks anything. azuread:metadataHost decides where the operator's
// credentials are posted, azuread:oidcRequestUrl where GitHub's OIDC request token goes.
// So here, with no CLI command that starts a provider (only the stack's decrypted
// configuration and its exported state are read):
//
//   settings   the program's own checks (lib/stack-settings.ts): its keys, the sign-in
//              settings, every endpoint against the cloud's hosts (the azuread metadata
//              host and federated-token request URL included); a refusal is the
//              program's message, naming each key and value.
//   state      stack-health.ts: a lock and pending operations an interruption left, and
//              0.1.0 provider code, which every refresh would run. Each names what to run.
//
// `fleet recover` exists to clear locks and pending operations, so for recover only the
// settings and 0.1.0 provider code block. In CI (`check --no-stack-custom-endpoints`) a
// stack file that opts in to custom endpoints is refused too: with it, any host passes.

import type { ConfigMap } from "@pulumi/pulumi/automation";

import { ConfigError } from "../lib/config";
import { CUSTOM_ENDPOINTS_KEY, CUSTOM_ENDPOINTS_VARIABLE, parseBoolean } from "../providers";
import type { EnvironmentVariables } from "../providers";
import { describePending, legacyAdvice, lockAdvice, pendingAdvice, StackLock, stateHealth, StateHealth } from "./stack-health";
import { stackSettings, StackSettings } from "./stack-settings";

/** The two reads the check makes; neither starts a provider (`pulumi config --show-secrets`, `pulumi stack export`). */
export interface CheckedStack {
    getAllConfig(): Promise<ConfigMap>;
    exportStack(): Promise<{ deployment?: unknown }>;
}

export interface CheckTarget {
    /** Short name, for the commands the advice names. */
    readonly name: string;
    readonly stack: CheckedStack;
    /** The stack's lock files where they can be read (a local file backend); elsewhere the CLI refuses a locked update itself. */
    readLocks(): Promise<StackLock[]>;
    log(line: string): void;
}

/** The fleet command the check runs for: recover is not stopped by what it clears. */
export type CheckedFor = "check" | "status" | "preview" | "up" | "recover";

export interface PreRunCheck {
    readonly config: ConfigMap;
    /** The program's settings; undefined when they were refused. */
    readonly settings: StackSettings | undefined;
    readonly health: StateHealth;
    /** The exported checkpoint (`deployment`), for what else is read from it (the environments it serves: parallelism.ts). */
    readonly deployment: unknown;
    readonly locks: readonly StackLock[];
    /** Why no provider may start for this stack, each saying what to do; empty when it may. */
    readonly problems: readonly string[];
}

/** The program's refusal of the stack's settings (ConfigError, every key and value named); undefined when they pass. */
export function settingsProblem(config: ConfigMap, env: EnvironmentVariables): { settings?: StackSettings; problem?: string } {
    try {
        return { settings: stackSettings(config, env) };
    } catch (error) {
        if (error instanceof ConfigError) return { problem: error.message };
        throw error;
    }
}

/**
 * With custom endpoints on, every host passes the endpoint policy. Where pull requests
 * edit stack files (CI), only the runner's environment may turn them on.
 */
export function stackCustomEndpointsProblem(config: ConfigMap): string | undefined {
    const value = config[CUSTOM_ENDPOINTS_KEY]?.value;
    if (parseBoolean(value) !== true) return undefined;
    return (
        `${CUSTOM_ENDPOINTS_KEY}: ${JSON.stringify(value)} in the stack file lets the stack send tokens and credentials to hosts outside the cloud, ` +
        `and here (--no-stack-custom-endpoints) a stack file may not choose that; remove the key (the tenant emulator or a test proxy is chosen by ${CUSTOM_ENDPOINTS_VARIABLE}=true in the environment).`
    );
}

/** What in the state stops `command`: a lock, else pending operations (recover clears both), and 0.1.0 provider code. */
export function stateProblems(stack: string, command: CheckedFor, locks: readonly StackLock[], health: StateHealth): string[] {
    const problems: string[] = [];
    if (command !== "recover") {
        if (locks.length) problems.push(lockAdvice(stack, locks));
        else if (health.pendingOperations.length) problems.push(pendingAdvice(stack, health.pendingOperations));
    }
    if (health.legacyProviderResources.length) problems.push(legacyAdvice(stack, health.legacyProviderResources, command));
    return problems;
}

/** Reads the stack's configuration, state and locks at once, and says whether any provider may start for it. */
export interface CheckOptions {
    /** Refuse a stack file that opts in to custom endpoints (stackCustomEndpointsProblem). */
    readonly refuseStackCustomEndpoints?: boolean;
}

export async function preRunCheck(
    target: CheckTarget,
    command: CheckedFor,
    env: EnvironmentVariables = process.env,
    options: CheckOptions = {},
): Promise<PreRunCheck> {
    const [config, exported, locks] = await Promise.all([target.stack.getAllConfig(), target.stack.exportStack(), target.readLocks()]);
    const health = stateHealth(exported.deployment);
    if (health.pendingOperations.length) target.log(`state: ${describePending(health.pendingOperations)}`);
    if (health.legacyProviderResources.length) target.log(`state: 0.1.0 provider code in ${health.legacyProviderResources.join(", ")}`);
    const { settings, problem } = settingsProblem(config, env);
    const custom = options.refuseStackCustomEndpoints ? stackCustomEndpointsProblem(config) : undefined;
    const problems = [...(problem ? [problem] : []), ...(custom ? [custom] : []), ...stateProblems(target.name, command, locks, health)];
    target.log(problems.length ? `check: refused: ${problems.join(" ")}` : "check: settings and state fine");
    return { config, settings, health, deployment: exported.deployment, locks, problems };
}
