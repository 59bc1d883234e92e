// What the end-to-end tests share about the emulated tenant: the demo seed they start
// from, the operator's credentials kept out of the CLI's environment (so they reach the
// program only as encrypted stack secrets), a stack configured for the tenant as an
// operator configures one, and the account's directory roles as the tenant holds them.

import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../../emulator";
import { createWorkspace, PulumiWorkspace, REPOSITORY } from "./workspace";

/** The demo tenant's seed, fresh for each caller to change. */
export async function loadSeed(): Promise<any> {
    return JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
}

/** The emulator's environment without the operator's client secret: it reaches the program only through the stack's configuration. */
export function withoutClientSecret(env: Record<string, string>): Record<string, string> {
    const { ARM_CLIENT_SECRET: _secret, ...rest } = env;
    return rest;
}

/** Without the client id too: the stack names the operator's application itself. */
export function withoutOperatorCredentials(env: Record<string, string>): Record<string, string> {
    const { ARM_CLIENT_ID: _id, ...rest } = withoutClientSecret(env);
    return rest;
}

/** The demo tenant's backup account: the one its stacks give access to. */
export function backupAccount(seed: any): { id: string; userPrincipalName: string } {
    return seed.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
}

export interface TenantStackOptions {
    /** The stack's name. */
    readonly stack: string;
    /** d365-backup-access:serviceAccount. */
    readonly account: string;
    readonly stage: string;
    /** The stack names the operator's application too (azuread:clientId), which the CLI's environment then leaves out. */
    readonly clientId?: boolean;
    /** Further keys the stack sets, after the others. */
    readonly config?: Record<string, string>;
}

/**
 * A workspace whose stack is configured for the emulated tenant as an operator configures one:
 * the operator's client secret (and with `clientId` its application) only in the stack's
 * configuration, the secret encrypted; the account; every environment ("*"); the stage.
 */
export async function tenantStack(emulator: RunningEmulator, options: TenantStackOptions): Promise<PulumiWorkspace> {
    const env = options.clientId ? withoutOperatorCredentials(emulator.env) : withoutClientSecret(emulator.env);
    const workspace = await createWorkspace({ stack: options.stack, env });
    try {
        if (options.clientId) await workspace.setConfig("azuread:clientId", emulator.env.ARM_CLIENT_ID);
        await workspace.setConfig("azuread:clientSecret", emulator.env.ARM_CLIENT_SECRET, { secret: true });
        await workspace.setConfig("d365-backup-access:serviceAccount", options.account);
        await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });
        await workspace.setConfig("d365-backup-access:stage", options.stage);
        for (const [key, value] of Object.entries(options.config ?? {})) await workspace.setConfig(key, value);
    } catch (error) {
        // The caller gets no workspace to remove.
        await workspace.remove();
        throw error;
    }
    return workspace;
}

/** The emulated tenant on `seed` and a stack configured for it (tenantStack): what a suite starts before its tests. */
export async function startTenantStack(seed: any, options: TenantStackOptions): Promise<{ emulator: RunningEmulator; workspace: PulumiWorkspace }> {
    const emulator = await startEmulator(seed);
    try {
        return { emulator, workspace: await tenantStack(emulator, options) };
    } catch (error) {
        // The caller gets no emulator to stop.
        await emulator.stop();
        throw error;
    }
}

/** Ends what startTenantStack started, after the suite's tests; either is missing when the suite's start failed. */
export async function stopTenantStack(emulator: RunningEmulator | undefined, workspace: PulumiWorkspace | undefined): Promise<void> {
    await emulator?.stop();
    await workspace?.remove();
}

/** The role template ids the principal holds in the tenant, sorted. */
export function rolesOf(emulator: RunningEmulator, principalId: string): string[] {
    return emulator
        .state()
        .directoryRoleAssignments!.filter((assignment) => assignment.principalId === principalId)
        .map((assignment) => assignment.roleDefinitionId)
        .sort();
}
