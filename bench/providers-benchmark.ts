// Figures for the providers' README: serialized size, and how long the providers take
// against the tenant emulator for one environment and for 52 at once, with and without
// throttling. Not a test (nothing asserts on time); run it with
//
//   npm run bench:providers
//
// It re-runs itself with the emulator's CA trusted (Node reads NODE_EXTRA_CA_CERTS only
// at start).

import { spawnSync } from "child_process";

import { defaultCaDir, ensureCertificateAuthority } from "../emulator/tls/certificates";

async function relaunchTrustingEmulatorCa(): Promise<boolean> {
    if (process.env.D365BA_BENCHMARK_CHILD) return false;
    const caDir = process.env.D365BA_EMULATOR_CA_DIR || defaultCaDir();
    const ca = await ensureCertificateAuthority(caDir);
    const result = spawnSync(process.execPath, [...process.execArgv, __filename], {
        stdio: "inherit",
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile, D365BA_EMULATOR_CA_DIR: caDir, D365BA_BENCHMARK_CHILD: "1" },
    });
    process.exitCode = result.status ?? 1;
    return true;
}

async function measure(): Promise<void> {
    // Loaded only in the child, after the CA is trusted.
    const { environmentUserProvider } = await import("../providers/resources/environment-user");
    const { securityRoleAssignmentProvider } = await import("../providers/resources/security-role-assignment");
    const { serializeProvider } = await import("../test/support/serialized");
    const { hostedProviderText } = await import("../providers/hosting/hosted-provider");
    const { configuredProviders } = await import("../test/support/providers");
    const { ACCOUNT, baseSeed, dataverseEnvironment, environmentId, SYSTEM_ADMINISTRATOR, withEmulator } = await import("../test/support/tenant");

    const rows: string[][] = [];
    for (const [type, make] of [
        ["EnvironmentUser", environmentUserProvider],
        ["SecurityRoleAssignment", securityRoleAssignmentProvider],
    ] as const) {
        rows.push([`stored provider of ${type}`, `${hostedProviderText(type).length} bytes`, "the same one line for every resource of the type"]);
        const started = Date.now();
        const { text } = await serializeProvider(make());
        rows.push([
            `the same provider serialized by value (as 0.1.0 stored it)`,
            `${(text.length / 1024).toFixed(1)} KiB`,
            `${Date.now() - started} ms to serialize`,
        ]);
    }

    async function run(label: string, count: number, behaviour: Record<string, unknown>, extraConfig: Record<string, string> = {}) {
        const seed = baseSeed({ environments: Array.from({ length: count }, (_, i) => dataverseEnvironment(i + 1)), behaviour } as any);
        await withEmulator(seed, async (emulator) => {
            const log = console.log;
            console.log = () => undefined;
            try {
                const { users, roles } = await configuredProviders(emulator, extraConfig);
                const started = Date.now();
                await Promise.all(
                    Array.from({ length: count }, async (_, i) => {
                        await users.create({ environmentId: environmentId(i + 1), userObjectId: ACCOUNT, accessMode: "read-write" });
                        await roles.create({ environmentId: environmentId(i + 1), userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR });
                    }),
                );
                const elapsed = Date.now() - started;
                const requests = emulator.requests().filter((r) => r.service !== "login");
                const throttled = requests.filter((r) => r.status === 429).length;
                const signIns = emulator.requests().filter((r) => r.service === "login" && r.method === "POST").length;
                rows.push([label, `${elapsed} ms`, `${requests.length} API requests, ${throttled} answered 429, ${signIns} sign-ins`]);
            } finally {
                console.log = log;
            }
        });
    }

    const fast = { userSyncDelayMs: 0, latencyMs: 0 };
    await run("1 environment, user + role, no delays", 1, fast);
    await run(
        "1 environment, user sync 1 s, latency 50 ms, default polling",
        1,
        { userSyncDelayMs: 1000, latencyMs: 50 },
        { "d365-backup-access:pollIntervalSeconds": "0.5" },
    );
    await run("52 environments in parallel, latency 50 ms", 52, { userSyncDelayMs: 0, latencyMs: 50 });
    await run("52 environments in parallel, latency 50 ms, BAP 15 req/s, Dataverse 4 req/s per environment", 52, {
        userSyncDelayMs: 0,
        latencyMs: 50,
        bapRequestLimit: { requests: 15, windowSeconds: 1 },
        dataverseRequestLimit: { requests: 4, windowSeconds: 1 },
    });

    console.log(`Node ${process.version}, ${require("os").cpus().length} CPUs\n`);
    console.log("| measured | value | detail |\n|---|---|---|");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
}

relaunchTrustingEmulatorCa()
    .then((relaunched) => (relaunched ? undefined : measure()))
    .catch((error) => {
        console.error(error);
        process.exitCode = 1;
    });
