// Fifty-two environments at once, as `pulumi up` runs them in parallel, through one
// provider instance per type (as in one provider host process) while BAP and
// Dataverse throttle with 429 and Retry-After.

import * as assert from "assert";

import { RequestLogEntry } from "../../emulator";
import { configuredProviders, isolateProviderProcess } from "../support/providers";
import { ACCOUNT, baseSeed, dataverseEnvironment, environmentId, SYSTEM_ADMINISTRATOR, withEmulator } from "../support/tenant";

const COUNT = 52;

/** Most requests in flight at once among these entries. */
function peakConcurrency(entries: RequestLogEntry[]): number {
    const events = entries.flatMap((e) => [
        { at: e.startMs, delta: 1 },
        { at: e.endMs, delta: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let current = 0;
    let peak = 0;
    for (const event of events) {
        current += event.delta;
        peak = Math.max(peak, current);
    }
    return peak;
}

describe("providers at scale under throttling", function () {
    this.timeout(120_000);
    isolateProviderProcess();

    it(`gives the account access in ${COUNT} environments through 429 storms`, async () => {
        const seed = baseSeed({
            environments: Array.from({ length: COUNT }, (_, i) => dataverseEnvironment(i + 1)),
            behaviour: {
                userSyncDelayMs: 50,
                latencyMs: 10,
                bapPageSize: 20,
                // Few BAP calls per environment (addUser; the list is shared): a tight limit still storms.
                bapRequestLimit: { requests: 15, windowSeconds: 1 },
                dataverseRequestLimit: { requests: 3, windowSeconds: 1 },
            },
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { users, roles } = await configuredProviders(emulator, {
                "d365-backup-access:maxConcurrentRequestsPerHost": "6",
                "d365-backup-access:requestTimeoutSeconds": "60",
            });
            const results = await Promise.all(
                Array.from({ length: COUNT }, async (_, i) => {
                    await users.create({ environmentId: environmentId(i + 1), userObjectId: ACCOUNT, accessMode: "read-write" });
                    return roles.create({ environmentId: environmentId(i + 1), userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR });
                }),
            );
            assert.strictEqual(results.length, COUNT);

            const state = emulator.state();
            for (const environment of state.environments!) {
                const account = environment.systemUsers!.find((u) => u.azureActiveDirectoryObjectId === ACCOUNT);
                assert.ok(account, `${environment.id}: the account is a user`);
                assert.strictEqual(account!.accessMode, 0);
                assert.ok(account!.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR), `${environment.id}: System Administrator`);
            }

            const requests = emulator.requests().filter((r) => r.service !== "login");
            const throttled = requests.filter((r) => r.status === 429);
            assert.ok(
                throttled.some((r) => r.service === "bap"),
                "BAP throttled",
            );
            assert.ok(
                throttled.some((r) => r.service === "dataverse"),
                "Dataverse throttled",
            );
            assert.deepStrictEqual(
                requests.filter((r) => r.status >= 400 && r.status !== 429 && r.status !== 404),
                [],
                "no other errors",
            );
            // Every throttled call was made again after its Retry-After (at least one second here).
            for (const refused of throttled) {
                const retry = requests.find(
                    (r) => r.seq > refused.seq && r.method === refused.method && r.path === refused.path && r.environmentId === refused.environmentId,
                );
                assert.ok(retry, `${refused.method} ${refused.path} was retried`);
                assert.ok(retry!.startMs - refused.endMs >= 950, `retried after ${retry!.startMs - refused.endMs} ms`);
            }
            assert.ok(peakConcurrency(requests.filter((r) => r.service === "bap")) <= 6, "at most 6 BAP requests in flight");
            // One sign-in per audience, shared by the providers: BAP plus one per environment.
            assert.ok(emulator.requests().filter((r) => r.service === "login" && r.method === "POST").length <= COUNT + 1);
        });
    });
});
