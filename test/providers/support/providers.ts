// The providers, fresh and configured against an emulator, with the provider host's
// surroundings: no ARM_* or endpoint variables leaking in from the developer's shell,
// and console output captured (the host shows it to the operator). Each test gets its
// own implementation objects, so configurations never mix; the hosted path the engine
// takes is tested in hosted-provider.test.ts and host.test.ts.

import * as pulumi from "@pulumi/pulumi";

import { RunningEmulator } from "../../../emulator";
import { environmentUserProvider } from "../../../providers/resources/environment-user";
import { hostedProviderText } from "../../../providers/hosting/hosted-provider";
import { securityRoleAssignmentProvider } from "../../../providers/resources/security-role-assignment";
import { timeBoundRoleAssignmentProvider } from "../../../providers/resources/time-bound-role-assignment";
import { inspectForSecrets } from "../../support/secret-guard";
import { configRequest } from "./serialized";
import { stackConfig } from "./tenant";

export interface ConfiguredProviders {
    readonly users: pulumi.dynamic.ResourceProvider;
    readonly roles: pulumi.dynamic.ResourceProvider;
    readonly elevations: pulumi.dynamic.ResourceProvider;
    /** What state stores as each one's provider. */
    readonly texts: string[];
}

export async function configuredProviders(emulator: RunningEmulator, extra: Record<string, string> = {}): Promise<ConfiguredProviders> {
    const users = environmentUserProvider();
    const roles = securityRoleAssignmentProvider();
    const elevations = timeBoundRoleAssignmentProvider();
    const config = configRequest(stackConfig(emulator, extra));
    for (const provider of [users, roles, elevations]) await provider.configure!(config);
    return { users, roles, elevations, texts: [hostedProviderText("EnvironmentUser"), hostedProviderText("SecurityRoleAssignment")] };
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
        console.log = (...args: unknown[]) => {
            const line = args.map(String).join(" ");
            inspectForSecrets("a provider's output line", line);
            captured.lines.push(line);
        };
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
