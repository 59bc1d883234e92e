// `npm run doctor` end to end: the real entry in its own process, reading each stack's
// configuration through the Automation API and the pinned CLI (secrets decrypted with
// the stack's passphrase), against one emulated tenant per stack — a well-set-up one,
// and one for each missing permission or role the emulator can express. It proves the
// doctor names each failing check with its fix, and that it changed nothing: the
// tenants' request logs hold only reads and sign-ins.

import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";

import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

import { RunningEmulator, Seed, startEmulator } from "../../emulator";
import demo from "../../emulator/seeds/demo.json";
import { pinnedCliVersion, toolchainHome } from "../../workspace/pulumi-home";
import { inspectForSecrets, registerSecret } from "../support/secret-guard";
import { servedEnvironments, skippedEnvironments } from "../support/served-environments";
import { createWorkspace, PulumiWorkspace, REPOSITORY } from "./support/workspace";
import { withoutClientSecret } from "./support/tenant";

const PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const DEFAULT_PERMISSIONS = ["Application.Read.All", "Directory.Read.All", "GroupMember.ReadWrite.All", "RoleManagement.ReadWrite.Directory", "User.Read.All"];
const FINANCE = demo.environments[2].id;
const ACCOUNT = demo.users[0].userPrincipalName;

interface CheckJson {
    id: string;
    title: string;
    status: "ok" | "warn" | "fail" | "skip";
    detail: string;
    breaks?: string;
    fix?: string;
    skippedEnvironments?: { id: string; displayName: string; kind: string; reasonCode: string; reason: string; kept: boolean }[];
}
interface StackJson {
    stack: string;
    ok: boolean;
    checks: CheckJson[];
}

/** The demo tenant with the operator holding Privileged Role Administrator: nothing missing. */
function wellSetUp(change?: (seed: Seed) => void): Seed {
    const seed = structuredClone(demo) as Seed;
    seed.directoryRoleAssignments!.push({ principalId: demo.operator.objectId, roleDefinitionId: PRIVILEGED_ROLE_ADMINISTRATOR });
    change?.(seed);
    return seed;
}

/** One tenant per scenario; a stack may share another's tenant (same seed name). */
const TENANTS: Record<string, Seed> = {
    "well-set-up": wellSetUp(),
    "no-role-management": wellSetUp(
        (s) =>
            (s.operator.graphPermissions = [...DEFAULT_PERMISSIONS.filter((p) => p !== "RoleManagement.ReadWrite.Directory"), "RoleManagement.Read.Directory"]),
    ),
    "no-user-read": wellSetUp(
        (s) => (s.operator.graphPermissions = ["Application.Read.All", "GroupMember.ReadWrite.All", "RoleManagement.ReadWrite.Directory"]),
    ),
    "no-group-member": wellSetUp((s) => (s.operator.graphPermissions = ["Directory.Read.All", "RoleManagement.ReadWrite.Directory"])),
    "no-directory-role": structuredClone(demo) as Seed,
    "not-registered": wellSetUp((s) => (s.operator.registeredAdminApplication = false)),
    "no-app-user": wellSetUp(
        (s) => (s.environments![2].systemUsers = s.environments![2].systemUsers!.filter((u) => u.azureActiveDirectoryObjectId !== demo.operator.objectId)),
    ),
    "unready-account": wellSetUp((s) => Object.assign(s.users![0], { accountEnabled: false, licenses: [] })),
    "no-entra-p2": wellSetUp((s) => (s.entraIdP2 = false)),
    // The sample in docs/before-the-first-run.md: one permission missing, and one environment without the operator's application user.
    contoso: wellSetUp((s) => {
        s.operator.graphPermissions = [...DEFAULT_PERMISSIONS.filter((p) => p !== "RoleManagement.ReadWrite.Directory"), "RoleManagement.Read.Directory"];
        s.environments![2].systemUsers = s.environments![2].systemUsers!.filter((u) => u.azureActiveDirectoryObjectId !== demo.operator.objectId);
    }),
};

interface StackPlan {
    tenant: keyof typeof TENANTS;
    config?: Record<string, string>;
    /** Leave the client secret out, or give a wrong one. */
    secret?: "none" | "wrong";
    unreachableLogin?: boolean;
}

const STACKS: Record<string, StackPlan> = {
    "well-set-up": { tenant: "well-set-up" },
    "no-role-management": { tenant: "no-role-management" },
    "no-user-read": { tenant: "no-user-read" },
    "no-group-member": { tenant: "no-group-member" },
    "no-directory-role": { tenant: "no-directory-role" },
    "not-registered": { tenant: "not-registered" },
    "no-app-user": { tenant: "no-app-user" },
    "no-app-user-manual": { tenant: "no-app-user", config: { "d365-backup-access:addOperatorAppUser": "false" } },
    "unready-account": { tenant: "unready-account" },
    "no-entra-p2": { tenant: "no-entra-p2", config: { "d365-backup-access:elevationHours": "4" } },
    "wrong-secret": { tenant: "well-set-up", secret: "wrong" },
    "no-credentials": { tenant: "well-set-up", secret: "none", config: { "azuread:useCli": "false" } },
    unreachable: { tenant: "well-set-up", unreachableLogin: true },
    "bad-config": { tenant: "well-set-up", config: { "d365-backup-access:stage": "promote" } },
    contoso: { tenant: "contoso" },
};

function runDoctor(workspace: PulumiWorkspace, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(REPOSITORY, "doctor", "index.ts"), ...args],
            { cwd: workspace.directory, env: { ...process.env, ...workspace.variables, NO_COLOR: "1" }, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => {
                inspectForSecrets("the doctor's output", `${stdout}\n${stderr}`);
                resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
            },
        ),
    );
}

describe("npm run doctor against emulated tenants", function () {
    this.timeout(10 * 60 * 1000);
    const emulators = new Map<string, RunningEmulator>();
    let workspace: PulumiWorkspace;
    let all: { code: number; report: Map<string, StackJson> };

    const check = (stack: string, id: string): CheckJson => {
        const found = all.report.get(stack)?.checks.find((c) => c.id === id);
        assert.ok(found, `${stack}: no check ${id} in ${JSON.stringify(all.report.get(stack)?.checks.map((c) => c.id))}`);
        return found;
    };
    const failing = (stack: string) =>
        all.report
            .get(stack)!
            .checks.filter((c) => c.status === "fail")
            .map((c) => c.id);

    before(async () => {
        for (const [name, seed] of Object.entries(TENANTS)) {
            const emulator = await startEmulator(seed, { warn: () => undefined });
            emulators.set(name, emulator);
            registerSecret(emulator.env.ARM_CLIENT_SECRET);
        }
        const first = emulators.get("well-set-up")!;
        workspace = await createWorkspace({ stack: "well-set-up", env: withoutClientSecret(first.env) });

        // Every other stack is made as an operator's script would make it: through the Automation API.
        const root = path.join(toolchainHome(), "versions", await pinnedCliVersion());
        const automation = await LocalWorkspace.create({
            workDir: workspace.directory,
            pulumiCommand: await PulumiCommand.get({ root, skipVersionCheck: true }),
            envVars: { ...workspace.variables },
        });
        for (const [stack, plan] of Object.entries(STACKS)) {
            const emulator = emulators.get(plan.tenant)!;
            if (stack !== "well-set-up") await automation.createStack(stack);
            const config: Record<string, { value: string; secret?: boolean }> = {
                "d365-backup-access:stage": { value: "bootstrap" },
                "d365-backup-access:serviceAccount": { value: ACCOUNT },
                "d365-backup-access:environments[0]": { value: "*" },
                "azuread:tenantId": { value: emulator.tenantId },
                "azuread:clientId": { value: emulator.env.ARM_CLIENT_ID },
                "d365-backup-access:endpoints.login": { value: plan.unreachableLogin ? "https://127.0.0.1:1" : emulator.endpoints.login },
                "d365-backup-access:endpoints.graph": { value: emulator.endpoints.graph },
                "d365-backup-access:endpoints.bap": { value: emulator.endpoints.bap },
                "d365-backup-access:requestTimeoutSeconds": { value: "20" },
            };
            if (plan.secret !== "none") {
                const secret = plan.secret === "wrong" ? "not-the-operator-secret" : emulator.env.ARM_CLIENT_SECRET;
                registerSecret(secret);
                config["azuread:clientSecret"] = { value: secret, secret: true };
            }
            for (const [key, value] of Object.entries(plan.config ?? {})) config[key] = { value };
            await automation.setAllConfig(stack, config, true);
        }
        for (const emulator of emulators.values()) emulator.clearRequests();

        const result = await runDoctor(workspace, ["--all", "--json"]);
        const parsed = JSON.parse(result.stdout) as { stacks: StackJson[] };
        all = { code: result.code, report: new Map(parsed.stacks.map((s) => [s.stack, s])) };
    });

    after(async () => {
        await workspace?.remove();
        for (const emulator of emulators.values()) await emulator.stop();
    });

    it("checks every stack with --all, and exits 1 because some fail", () => {
        assert.deepEqual([...all.report.keys()].sort(), Object.keys(STACKS).sort());
        assert.equal(all.code, 1);
    });

    it("finds nothing wrong in a well-set-up tenant", () => {
        const report = all.report.get("well-set-up")!;
        assert.ok(report.ok);
        // The emulator's hosts are custom endpoints: that warning, and nothing else.
        assert.deepEqual(
            report.checks.filter((c) => c.status !== "ok").map((c) => `${c.id} ${c.status}`),
            ["custom-endpoints warn"],
        );
        assert.deepEqual(
            report.checks.map((c) => c.id),
            [
                "configuration",
                "custom-endpoints",
                "sign-in",
                "graph-permission:RoleManagement.ReadWrite.Directory",
                "graph-permission:User.Read.All",
                "graph-permission:GroupMember.ReadWrite.All",
                "directory-role",
                "power-platform",
                "environments",
                // None for the Teams environment and the one still provisioning: they are skipped.
                ...servedEnvironments(demo).map((e) => `dataverse:${e.id}`),
                "service-account",
                "licence",
                "unmanaged-global-administrator",
            ],
        );
        assert.match(check("well-set-up", "directory-role").detail, /Privileged Role Administrator/);
        const environments = check("well-set-up", "environments");
        assert.equal(environments.detail, "3 to serve, 1 restricted to a security group; 2 skipped: teams 1, provisioning 1");
        assert.deepEqual(
            environments.skippedEnvironments!.map((e) => [e.id, e.reasonCode]),
            skippedEnvironments(demo).map((e) => [e.id, e.sku === "Teams" ? "teams" : "provisioning"]),
        );
        assert.match(environments.skippedEnvironments![0].reason, /no Web API access to Dataverse for Teams/);
        assert.match(environments.skippedEnvironments![1].reason, /still being provisioned/);
        assert.match(check("well-set-up", `dataverse:${FINANCE}`).detail, /application user with System Administrator/);
    });

    it("names a missing RoleManagement.ReadWrite.Directory from the token although reading roles works", () => {
        assert.deepEqual(failing("no-role-management"), ["graph-permission:RoleManagement.ReadWrite.Directory"]);
        const c = check("no-role-management", "graph-permission:RoleManagement.ReadWrite.Directory");
        assert.match(c.detail, /not granted.*roles claim: .*RoleManagement\.Read\.Directory/);
        assert.match(c.breaks!, /assigning and removing the account's directory roles/);
        assert.match(
            c.fix!,
            /App registrations → the application .* → API permissions → Add a permission → Microsoft Graph → Application permissions → RoleManagement\.ReadWrite\.Directory/,
        );
        assert.match(c.fix!, /--api-permissions 9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8=Role/);
        assert.equal(check("no-role-management", "directory-role").status, "ok");
    });

    it("names a missing User.Read.All, and the account then cannot be read", () => {
        const c = check("no-user-read", "graph-permission:User.Read.All");
        assert.equal(c.status, "fail");
        assert.match(c.breaks!, /resolving the service account/);
        assert.match(c.fix!, /Application permissions → User\.Read\.All/);
        assert.equal(check("no-user-read", "service-account").status, "fail");
        assert.match(check("no-user-read", "service-account").detail, /Insufficient privileges/);
    });

    it("names a missing GroupMember.ReadWrite.All when an environment is restricted to a security group", () => {
        assert.deepEqual(failing("no-group-member"), ["graph-permission:GroupMember.ReadWrite.All"]);
        const c = check("no-group-member", "graph-permission:GroupMember.ReadWrite.All");
        assert.match(c.breaks!, /security group/);
        assert.match(c.fix!, /GroupMember\.ReadWrite\.All/);
        assert.match(check("no-group-member", "environments").detail, /1 restricted to a security group/);
    });

    it("fails an operator without Privileged Role Administrator or Global Administrator, with the portal path", () => {
        assert.deepEqual(failing("no-directory-role"), ["directory-role"]);
        const c = check("no-directory-role", "directory-role");
        assert.match(c.fix!, /Roles & admins → Privileged Role Administrator → Add assignments/);
        assert.match(
            c.fix!,
            new RegExp(`New-MgRoleManagementDirectoryRoleAssignment -PrincipalId ${demo.operator.objectId} -RoleDefinitionId ${PRIVILEGED_ROLE_ADMINISTRATOR}`),
        );
    });

    it("fails an application that is not a Power Platform admin management application, with the registration command", () => {
        const c = check("not-registered", "power-platform");
        assert.equal(c.status, "fail");
        assert.match(c.detail, /not registered as a Power Platform management application/);
        assert.match(c.fix!, new RegExp(`pac admin application register --application-id ${demo.operator.clientId}`));
        assert.match(c.fix!, /PUT .*\/adminApplications\//);
        assert.equal(check("not-registered", "environments").status, "skip");
    });

    it("warns that addAppUser will be needed where the operator is no application user, and fails when that is turned off", () => {
        const warned = check("no-app-user", `dataverse:${FINANCE}`);
        assert.equal(warned.status, "warn");
        assert.match(warned.detail, /not an application user here yet; the first `pulumi up` makes it one \(Power Platform addAppUser/);
        assert.ok(all.report.get("no-app-user")!.ok, "a warning is not a failure");
        assert.equal(check("no-app-user", `dataverse:${demo.environments[0].id}`).status, "ok");

        const failed = check("no-app-user-manual", `dataverse:${FINANCE}`);
        assert.equal(failed.status, "fail");
        assert.match(failed.detail, /addOperatorAppUser is false/);
        assert.match(failed.fix!, /Application users → \+ New app user → add the application .* System Administrator/);
    });

    it("fails a blocked, unlicensed service account, each with its fix", () => {
        assert.deepEqual(failing("unready-account"), ["service-account", "licence"]);
        assert.match(check("unready-account", "service-account").fix!, /Unblock sign-in/);
        assert.match(check("unready-account", "licence").fix!, /Licenses and apps → select a Dynamics 365 licence/);
    });

    it("checks PIM only when elevationHours is set, and fails a tenant without Entra ID P2", () => {
        assert.deepEqual(failing("no-entra-p2"), ["entra-id-p2"]);
        assert.equal(check("no-entra-p2", "graph-permission:RoleAssignmentSchedule.ReadWrite.Directory").status, "ok");
        assert.match(check("no-entra-p2", "entra-id-p2").detail, /AAD Premium 2/);
        assert.ok(!all.report.get("well-set-up")!.checks.some((c) => c.id === "entra-id-p2"));
    });

    it("tells a wrong secret, an unreachable endpoint and missing credentials apart, and skips the rest", () => {
        assert.match(check("wrong-secret", "sign-in").detail, /AADSTS7000215/);
        assert.match(
            check("unreachable", "sign-in").detail,
            /^Cannot reach the Entra sign-in endpoint at 127\.0\.0\.1:1, from d365-backup-access:endpoints\.login, for /,
        );
        // No sign-in method at all is a configuration problem for the program, in its own words.
        const missing = check("no-credentials", "configuration");
        assert.equal(missing.status, "fail");
        assert.match(missing.detail, /No sign-in method is configured and azuread:useCli is false\. Set one of: azuread:clientId \+ azuread:clientSecret/);
        for (const stack of ["wrong-secret", "unreachable"]) {
            assert.deepEqual(
                all.report
                    .get(stack)!
                    .checks.filter((c) => c.id !== "custom-endpoints")
                    .map((c) => c.status),
                ["ok", "fail", "skip"],
                stack,
            );
        }
    });

    it("warns, naming each custom host and its setting, when custom endpoints are on (as with the emulator)", () => {
        const warning = check("well-set-up", "custom-endpoints");
        assert.equal(warning.status, "warn");
        const emulator = emulators.get("well-set-up")!;
        assert.ok(warning.detail.includes(`${new URL(emulator.endpoints.bap).host} (from d365-backup-access:endpoints.bap)`), warning.detail);
        assert.ok(warning.detail.includes(`${emulator.endpoints.metadataHost} (from ARM_METADATA_HOSTNAME)`), warning.detail);
    });

    it("reports a bad stack configuration with the program's own message", () => {
        const c = check("bad-config", "configuration");
        assert.equal(c.status, "fail");
        assert.match(c.detail, /d365-backup-access:stage: "promote" is not a stage/);
    });

    it("changes nothing: every tenant saw only reads and sign-ins", () => {
        let total = 0;
        for (const [name, emulator] of emulators) {
            const requests = emulator.requests();
            total += requests.length;
            const writes = requests.filter((r) => r.method !== "GET" && !(r.method === "POST" && /\/oauth2\/v2\.0\/token(\?|$)/.test(r.path)));
            assert.deepEqual(
                writes.map((r) => `${r.method} ${r.path}`),
                [],
                name,
            );
        }
        assert.ok(total > 50, `the tenants were really asked (${total} requests)`);
    });

    it("prints a readable report for one stack and exits 0 when nothing failed", async () => {
        const result = await runDoctor(workspace, ["--stacks", "no-app-user"]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^Stack no-app-user — stage bootstrap, account backup@contoso\.onmicrosoft\.com$/m);
        assert.match(result.stdout, /^ {2}ok {4}Sign-in: client secret of application /m);
        assert.match(result.stdout, /^ {2}warn {2}Dataverse: Contoso Finance: /m);
        assert.match(result.stdout, /^ {8}fix: {4}nothing needed; to do it beforehand: Power Platform admin center/m);
        assert.match(result.stdout, /^ {2}warn {2}Custom endpoints: Custom endpoints are on /m);
        assert.match(result.stdout, /0 failed, 2 warnings, \d+ ok/);
    });

    it("prints each failure with what it breaks and its fix, and exits 1, run as `npm run doctor` (the sample in docs/before-the-first-run.md)", async () => {
        // The documented command, in a copy of the project that has the doctor.
        for (const entry of ["doctor", "scripts", "workspace", "cli"])
            await fs.cp(path.join(REPOSITORY, entry), path.join(workspace.directory, entry), { recursive: true });
        const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
            execFile(
                "npm",
                ["run", "--silent", "doctor", "--", "--stacks", "contoso"],
                { cwd: workspace.directory, env: { ...process.env, ...workspace.variables, NO_COLOR: "1" } },
                (error, stdout, stderr) => {
                    inspectForSecrets("the doctor's output", `${stdout}\n${stderr}`);
                    resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
                },
            ),
        );
        assert.equal(result.code, 1, result.stderr);
        const lines = result.stdout.split("\n");
        const failure = lines.findIndex((line) => line.startsWith("  FAIL  Graph permission RoleManagement.ReadWrite.Directory: not granted"));
        assert.ok(failure > 0, result.stdout);
        assert.match(lines[failure + 1], /^ {8}breaks: assigning and removing the account's directory roles/);
        assert.match(lines[failure + 2], /^ {8}fix: {4}Microsoft Entra admin center → Applications → App registrations/);
        assert.match(
            result.stdout,
            /^ {2}ok {4}Global Administrator through a group or PIM eligibility: none \(neither through a role-assignable group nor eligible in PIM\)$/m,
        );
        assert.match(result.stdout, /^ {2}1 failed, 2 warnings, 12 ok$/m);
    });

    it("checks the selected stack by default, and says when a stack's secrets cannot be decrypted", async () => {
        // The stack made last (by the Automation API's createStack) is the selected one.
        const selected = await runDoctor(workspace, ["--json"]);
        assert.deepEqual(
            JSON.parse(selected.stdout).stacks.map((s: StackJson) => s.stack),
            ["contoso"],
        );

        // --stack, the doctor's first spelling of --stacks, still works.
        const wrongPassphrase = await new Promise<{ code: number; stdout: string }>((resolve) =>
            execFile(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", path.join(REPOSITORY, "doctor", "index.ts"), "--stack", "well-set-up", "--json"],
                { cwd: workspace.directory, env: { ...process.env, ...workspace.variables, PULUMI_CONFIG_PASSPHRASE: "not the passphrase" } },
                (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
            ),
        );
        assert.equal(wrongPassphrase.code, 1);
        const [configuration] = JSON.parse(wrongPassphrase.stdout).stacks[0].checks as CheckJson[];
        assert.equal(configuration.id, "configuration");
        assert.match(configuration.detail, /^could not be read: .*passphrase/i);
        assert.match(configuration.fix!, /PULUMI_CONFIG_PASSPHRASE/);
    });

    it("refuses an unknown stack and bad arguments with status 2, naming them", async () => {
        const unknown = await runDoctor(workspace, ["--stacks", "nope,well-*"]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^doctor: --stacks: "nope" matches no stack; the stacks are: .*well-set-up/m);
        const bad = await runDoctor(workspace, ["--everything"]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /^doctor: unknown option "--everything"\.\nusage: npm run doctor -- /m);
    });
});
