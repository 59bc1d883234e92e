// Both providers serialized, loaded back and configured against an emulator, with the
// provider host's surroundings: no ARM_* or endpoint variables leaking in from the
// developer's shell, and console output captured (the host shows it to the operator).

import * as pulumi from "@pulumi/pulumi";

import { RunningEmulator } from "../../../emulator";
import { environmentUserProvider } from "../../../providers/environment-user";
import { securityRoleAssignmentProvider } from "../../../providers/security-role-assignment";
import { configRequest, loadProvider, serializeProvider } from "./serialized";
import { stackConfig } from "./tenant";

export interface ConfiguredProviders {
    readonly users: pulumi.dynamic.ResourceProvider;
    readonly roles: pulumi.dynamic.ResourceProvider;
    readonly texts: string[];
}

let serialized: Promise<[string, string]> | undefined;

/** Serializing takes a second or so; the texts are made once and loaded afresh for every test. */
function serializedTexts(): Promise<[string, string]> {
    serialized ??= Promise.all([
        serializeProvider(environmentUserProvider()).then((s) => s.text),
        serializeProvider(securityRoleAssignmentProvider()).then((s) => s.text),
    ]);
    return serialized;
}

export async function configuredProviders(emulator: RunningEmulator, extra: Record<string, string> = {}): Promise<ConfiguredProviders> {
    const texts = await serializedTexts();
    const users = loadProvider(texts[0]);
    const roles = loadProvider(texts[1]);
    const config = configRequest(stackConfig(emulator, extra));
    await users.configure!(config);
    await roles.configure!(config);
    return { users, roles, texts };
}

const ISOLATED_VARIABLES = /^(ARM_|AZURE_|D365BA_|ACTIONS_ID_TOKEN_)/;

/** mocha hooks: hide identity and endpoint variables, capture console.log. */
export function isolateProviderProcess(): { lines: string[] } {
    const captured = { lines: [] as string[] };
    const saved: Record<string, string | undefined> = {};
    let originalLog: typeof console.log;
    before(() => {
        for (const name of Object.keys(process.env).filter((n) => ISOLATED_VARIABLES.test(n))) {
            saved[name] = process.env[name];
            delete process.env[name];
        }
        originalLog = console.log;
        console.log = (...args: unknown[]) => captured.lines.push(args.map(String).join(" "));
    });
    beforeEach(() => {
        captured.lines.length = 0;
    });
    after(() => {
        console.log = originalLog;
        Object.assign(process.env, saved);
    });
    return captured;
}

/** Proves outputs can cross the engine's protobuf boundary: plain JSON, no undefined anywhere. */
export function assertPlainJson(value: unknown, path = "outs"): void {
    if (value === undefined) throw new Error(`${path} is undefined`);
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) return;
    if (Array.isArray(value)) return value.forEach((item, i) => assertPlainJson(item, `${path}[${i}]`));
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        for (const [key, item] of Object.entries(value as object)) assertPlainJson(item, `${path}.${key}`);
        return;
    }
    throw new Error(`${path} is not plain JSON (${typeof value})`);
}
