// The tenant emulator, in process: startEmulator(seed) brings up login (with the Azure
// metadata endpoint), Graph, BAP and one origin per Dataverse environment on
// 127.0.0.1 over HTTPS, and returns what tests need to point clients at it and to
// inspect or change the tenant.
import { defaultCaDir, ensureCertificateAuthority, ensureKeyPair, issueServerCertificate, writeTrustBundle } from "./tls/certificates";
import { TokenIssuer } from "./auth/tokens";
import { FaultRegistry } from "./core/faults";
import { startOrigin, OriginShared, RunningOrigin, ServiceHandler } from "./core/origin";
import { createRandom } from "./core/random";
import { RequestLog, RequestLogEntry } from "./core/request-log";
import { emulatorEnvironment, writeEnvFile } from "./env-file";
import { inspectionHandler } from "./inspection";
import { FaultSeed, Seed, TenantState } from "./seed/types";
import { validateFault, validateSeed } from "./seed/validate";
import { bapService } from "./services/bap";
import { dataverseService } from "./services/dataverse";
import { Endpoints, ServiceDeps } from "./services/deps";
import { graphService } from "./services/graph";
import { loginService } from "./services/login";
import { Tenant } from "./tenant/tenant";
import { ActiveFault } from "./core/faults";

export type { Seed, TenantState, FaultSeed, RequestLogEntry, ActiveFault, Endpoints };
export { SeedError, validateSeed } from "./seed/validate";

export interface EmulatorOptions {
    /** Directory of the CA (created when missing). Default: $D365BA_EMULATOR_CA_DIR, else the user's own directory under the OS temp dir (see defaultCaDir). It must belong to the user and be closed to others (mode 0700). */
    caDir?: string;
    /** Also write the environment as `export K=V` lines to this file. */
    envFile?: string;
    /** Where loud warnings go (unknown routes, side effects); default standard error. */
    warn?: (message: string) => void;
    /** Sees each request log entry as it is recorded, after the request changed the tenant (a test follows the tenant request by request). */
    onRequest?: (entry: RequestLogEntry) => void;
}

export interface RunningEmulator {
    endpoints: Endpoints;
    /** PEM file of the CA that signed every origin's certificate. */
    caFile: string;
    /** The same variables as the env file. */
    env: Record<string, string>;
    tenantId: string;
    /** The tenant now, in the seed's schema. */
    state(): Seed;
    requests(): RequestLogEntry[];
    clearRequests(): void;
    addFault(fault: FaultSeed): ActiveFault;
    clearFaults(): void;
    /** Changes the tenant behind the services' back (must leave a valid seed; else throws SeedError and changes nothing). */
    mutate(change: (tenant: TenantState) => void): void;
    /** The tenant's clock for time-bound role assignments (epoch ms): real time plus what tests moved it. */
    now(): number;
    /** Moves that clock forward; assignments whose end passes are gone. Returns the new time. */
    advanceClock(seconds: number): number;
    /** Deletes an environment (as DELETE /_emulator/environments/{id}): BAP answers 404 for it, its Dataverse host refuses. False when unknown. */
    deleteEnvironment(id: string): boolean;
    /** Makes a seeded environment with createAfterRequests exist now (as POST /_emulator/environments/{id}/create). False when none waits. */
    createEnvironment(id: string): boolean;
    stop(): Promise<void>;
}

export async function startEmulator(seed: unknown, options: EmulatorOptions = {}): Promise<RunningEmulator> {
    const state = validateSeed(seed);
    const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
    const caDir = options.caDir ?? process.env.D365BA_EMULATOR_CA_DIR ?? defaultCaDir();
    const [ca, serverKeys, signingKeys] = await Promise.all([
        ensureCertificateAuthority(caDir, warn),
        ensureKeyPair(caDir, "server-key.pem"),
        ensureKeyPair(caDir, "token-signing-key.pem"),
    ]);

    const tenant = new Tenant({ ...state, faults: [] });
    const random = createRandom(state.behaviour.randomSeed);
    const faults = new FaultRegistry(random);
    for (const fault of state.faults) faults.add(fault);
    // Counting first, so onRequest already sees an environment that this request's answer made disappear.
    const requestLog = new RequestLog((entry) => {
        tenant.noteRequestAnswered();
        options.onRequest?.(entry);
    });
    const snapshot = (): Seed => ({ ...tenant.snapshot(), faults: faults.remaining() });

    const endpoints: Endpoints = { login: "", metadataHost: "", graph: "", bap: "", dataverse: {} };
    const deps: ServiceDeps = { tenant, tokens: new TokenIssuer(signingKeys.privateKey), endpoints, warn };
    const shared: OriginShared = {
        faults,
        requestLog,
        random,
        latency: () => tenant.state.behaviour.latencyMs,
        inspect: inspectionHandler({
            state: snapshot,
            requestLog,
            faults,
            clock: { now: () => tenant.clockNow(), advance: (ms) => tenant.advanceClock(ms) },
            deleteEnvironment: (id) => tenant.deleteEnvironment(id),
            createEnvironment: (id) => tenant.createEnvironment(id),
        }),
        warn,
    };

    const dataverseEnvironments = state.environments.filter((e) => e.dataverse).map((e) => e.id);
    const services: Array<{ handler: ServiceHandler; label: string }> = [
        { handler: loginService(deps), label: "login" },
        { handler: graphService(deps), label: "graph" },
        { handler: bapService(deps), label: "bap" },
        ...dataverseEnvironments.map((id) => ({ handler: dataverseService(deps, id), label: `dataverse-${id}` })),
    ];
    const started = await Promise.allSettled(
        services.map((s) => startOrigin(s.handler, shared, issueServerCertificate(ca, serverKeys, `d365ba emulator ${s.label}`))),
    );
    const origins = started.filter((s): s is PromiseFulfilledResult<RunningOrigin> => s.status === "fulfilled").map((s) => s.value);
    const failure = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) {
        await Promise.all(origins.map((o) => o.close()));
        throw failure.reason;
    }
    const [login, graph, bap, ...dataverse] = origins;
    endpoints.login = login.url;
    endpoints.metadataHost = new URL(login.url).host;
    endpoints.graph = graph.url;
    endpoints.bap = bap.url;
    dataverseEnvironments.forEach((id, i) => (endpoints.dataverse[id] = `${dataverse[i].url}/`));

    const trustBundle = await writeTrustBundle(caDir, ca);
    const env = emulatorEnvironment({
        endpoints,
        tenantId: state.tenantId,
        clientId: state.operator.clientId,
        clientSecret: state.operator.clientSecret,
        caFile: ca.certFile,
        trustBundle,
    });
    if (options.envFile) await writeEnvFile(options.envFile, env);

    let stopped: Promise<void> | undefined;
    return {
        endpoints,
        caFile: ca.certFile,
        env,
        tenantId: state.tenantId,
        state: snapshot,
        requests: () => requestLog.list(),
        clearRequests: () => requestLog.clear(),
        addFault: (fault) => faults.add(validateFault(fault)),
        clearFaults: () => faults.clear(),
        mutate: (change) => tenant.mutate(change),
        now: () => tenant.clockNow(),
        advanceClock: (seconds) => tenant.advanceClock(seconds * 1000),
        deleteEnvironment: (id) => tenant.deleteEnvironment(id),
        createEnvironment: (id) => tenant.createEnvironment(id),
        stop: () => (stopped ??= Promise.all(origins.map((o) => o.close())).then(() => undefined)),
    };
}
