import { startEmulator } from "../emulator";
import { createWorkspace } from "../test/e2e/support/pulumi-workspace";
import { generateTenant } from "./tenant";
(async () => {
  const n = Number(process.argv[2] ?? 100); const par = process.argv[3];
  const { seed, accountUpn } = await generateTenant({ environments: n, latencyMs: 50, userSyncDelayMs: 1000 });
  const emulator = await startEmulator(seed, { warn: () => undefined });
  const { ARM_CLIENT_SECRET: secret, ...env } = emulator.env;
  const ws = await createWorkspace({ stack: "bench", env });
  try {
    await ws.setConfig("azuread:clientSecret", secret, { secret: true });
    await ws.setConfig("d365-backup-access:serviceAccount", accountUpn);
    await ws.setConfig("d365-backup-access:environments[0]", "*", { path: true });
    await ws.setConfig("d365-backup-access:stage", "bootstrap");
    emulator.clearRequests();
    const t0 = Date.now();
    await ws.run(["up","--yes","--skip-preview", ...(par ? ["--parallel", par] : [])], { env: process.env.SKIPCP ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {} });
    const total = Date.now() - t0;
    const log = emulator.requests().filter(e => e.service !== "login");
    const dv = log.filter(e => e.service === "dataverse" || e.service === "bap");
    console.log("total", total, "first req", log[0].startMs - t0, "first dv/bap", dv[0].startMs - t0, "last", Math.max(...log.map(e => e.endMs)) - t0);
    // per env: first and last request
    const byEnv = new Map<string, number[]>();
    for (const e of dv) { const id = e.environmentId ?? (e.path.match(/b0000000-[0-9a-f-]{27}/)?.[0]); if (!id) continue; const a = byEnv.get(id) ?? [Infinity, 0]; a[0] = Math.min(a[0], e.startMs - t0); a[1] = Math.max(a[1], e.endMs - t0); byEnv.set(id, a); }
    const spans = [...byEnv.values()].map(([a,b]) => b - a);
    spans.sort((a,b)=>a-b);
    console.log("env span median", spans[spans.length>>1], "max", spans[spans.length-1]);
    // in-flight envs per second
    const line: string[] = [];
    for (let t = 0; t < total; t += 1000) { let c = 0; for (const [a,b] of byEnv.values()) if (a <= t && b >= t) c++; line.push(String(c)); }
    console.log("envs in flight per s:", line.join(" "));
    const users: number[] = [], roles: number[] = [], gaps: number[] = [];
    const active: [number, number][] = [];
    for (const id of byEnv.keys()) {
      const own = dv.filter(e => (e.environmentId ?? e.path.match(/b0000000-[0-9a-f-]{27}/)?.[0]) === id);
      const roleStart = own.findIndex(e => /expand=systemuserroles/.test(e.path));
      const u = own.slice(0, roleStart), r = own.slice(roleStart);
      users.push(u[u.length-1].endMs - u[0].startMs); roles.push(r[r.length-1].endMs - r[0].startMs); gaps.push(r[0].startMs - u[u.length-1].endMs);
      active.push([u[0].startMs - t0, u[u.length-1].endMs - t0], [r[0].startMs - t0, r[r.length-1].endMs - t0]);
    }
    const med = (a: number[]) => { const b=[...a].sort((x,y)=>x-y); return b[b.length>>1]; };
    const avg = (a: number[]) => Math.round(a.reduce((x,y)=>x+y,0)/a.length);
    console.log("user span med/avg", med(users), avg(users), "role span", med(roles), avg(roles), "gap user->role", med(gaps), avg(gaps));
    const line2: string[] = [];
    for (let t = 0; t < total; t += 500) { let c = 0; for (const [a,b] of active) if (a <= t && b >= t) c++; line2.push(String(c)); }
    console.log("ops in flight per 0.5 s:", line2.join(" "));
  } finally { await ws.remove(); await emulator.stop(); }
})();
