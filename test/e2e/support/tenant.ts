// What the end-to-end tests share about the emulated tenant: the demo seed they start
// from, the operator's credentials kept out of the CLI's environment (so they reach the
// program only as encrypted stack secrets), and the account's directory roles as the
// tenant holds them.

import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator } from "../../../emulator";
import { REPOSITORY } from "./workspace";

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

/** The role template ids the principal holds in the tenant, sorted. */
export function rolesOf(emulator: RunningEmulator, principalId: string): string[] {
    return emulator
        .state()
        .directoryRoleAssignments!.filter((assignment) => assignment.principalId === principalId)
        .map((assignment) => assignment.roleDefinitionId)
        .sort();
}
