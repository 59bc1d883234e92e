// Shared by the emulator tests: the demo seed (with changes), a running emulator per
// test file, real @azure/identity credentials, and a plain HTTPS client that returns
// status, headers and body without throwing.
import * as https from "https";
import { ClientSecretCredential } from "@azure/identity";
import { RunningEmulator, Seed, startEmulator } from "../../emulator";
import demo from "../../emulator/seeds/demo.json";

export const DEMO = {
    tenantId: demo.tenantId,
    operator: demo.operator,
    backupUser: demo.users[0].id,
    adminUser: demo.users[1].id,
    salesGroup: demo.groups[0].id,
    /** The Microsoft 365 group of the team that owns teamsEnv. */
    teamGroup: demo.groups[1].id,
    plainEnv: demo.environments[0].id,
    restrictedEnv: demo.environments[1].id,
    administrativeEnv: demo.environments[2].id,
    /** Dataverse for Teams: the program skips it (teams). */
    teamsEnv: demo.environments[3].id,
    /** Its Dataverse still being provisioned: the program skips it (provisioning). */
    provisioningEnv: demo.environments[4].id,
    systemAdministratorTemplate: "627090ff-40a3-4053-8790-584edc5be201",
    globalAdministratorTemplate: "62e90394-69f5-4237-9190-012177145e10",
    powerPlatformAdministratorTemplate: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
};

export const POWER_APPS = "https://service.powerapps.com";
export const BAP_ENVIRONMENTS = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";

/** A deep copy of the demo seed, changed by `change`. */
export function demoSeed(change?: (seed: Seed) => void): Seed {
    const seed = structuredClone(demo) as Seed;
    change?.(seed);
    return seed;
}

if (!process.env.D365BA_EMULATOR_CA_DIR) {
    throw new Error(
        "The emulator tests need the emulator CA trusted at process start: run them through `npm test` (test/run-suite.ts), e.g. `node -r ts-node/register/transpile-only test/run-suite.ts test/emulator`.",
    );
}

export interface Started {
    emulator: RunningEmulator;
    warnings: string[];
}

/** Starts an emulator, capturing its warnings instead of printing them. */
export async function start(seed: Seed = demoSeed()): Promise<Started> {
    const warnings: string[] = [];
    const emulator = await startEmulator(seed, { warn: (m) => warnings.push(m) });
    return { emulator, warnings };
}

export function credential(emulator: RunningEmulator, clientId = emulator.env.ARM_CLIENT_ID, secret = emulator.env.ARM_CLIENT_SECRET): ClientSecretCredential {
    return new ClientSecretCredential(emulator.tenantId, clientId, secret, { authorityHost: emulator.endpoints.login, disableInstanceDiscovery: true });
}

export async function token(emulator: RunningEmulator, resource: string): Promise<string> {
    return (await credential(emulator).getToken(`${resource.replace(/\/+$/, "")}/.default`)).token;
}

export function dataverseUrl(emulator: RunningEmulator, environmentId: string): string {
    return emulator.endpoints.dataverse[environmentId];
}

export function dataverseAudience(emulator: RunningEmulator, environmentId: string): string {
    return new URL(dataverseUrl(emulator, environmentId)).origin;
}

export interface Response {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any;
}

/** One HTTPS request on a fresh connection (the emulator's CA is trusted through NODE_EXTRA_CA_CERTS). */
export function request(method: string, url: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const payload = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (payload !== undefined) {
        headers["Content-Type"] ??= "application/json";
        headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
        const req = https.request(url, { method, headers, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let body: unknown = undefined;
                try {
                    body = text ? JSON.parse(text) : undefined;
                } catch {
                    body = undefined;
                }
                resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
            });
            res.on("error", reject);
        });
        req.on("error", reject);
        req.end(payload);
    });
}

/** Polls `probe` until it returns a value (not undefined), or fails after `attempts`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, attempts = 100, intervalMs = 50): Promise<T> {
    for (let i = 0; i < attempts; i++) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`condition not reached after ${attempts} attempts`);
}

export function decodeJwt(jwt: string): Record<string, unknown> {
    return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}
