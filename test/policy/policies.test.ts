// The policy pack against what the real program registers (under runtime mocks, its
// tenant checks answered by the emulator): every stage passes, so the pack's type tokens
// and input names are the program's, and its allow-list of types is exactly the program's; and a Global Administrator assignment carried into
// the operational stage is refused.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { DECLARED_RESOURCE_TYPES, HOSTED_PROVIDER_TEXTS } from "../../policy/facts";
import {
    DIRECTORY_ROLE_ASSIGNMENT,
    ENVIRONMENT_USER,
    GROUP_MEMBER,
    ResourceView,
    SECURITY_ROLE_ASSIGNMENT,
    STACK,
    TIME_BOUND_ROLE_ASSIGNMENT,
} from "../../policy/resources";
import { ProgramRun, runProgram } from "../support/program-runner";
import { servedEnvironments } from "../support/served-environments";
import { stackConfig, violations } from "../support/pack-runner";

const REPOSITORY = path.resolve(__dirname, "..", "..");

const asViews = (run: ProgramRun): ResourceView[] => run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));

/**
 * The default providers the engine adds for a run's custom resources and invokes (the mocks do not
 * register them): `pulumi:providers:<package>`, named "default_<version>" for a package that states its
 * version (@pulumi/azuread) and "default" otherwise, the way a real state holds them (test/policy/facts.test.ts).
 */
function engineProviders(run: ProgramRun): ResourceView[] {
    const packages = new Set(
        [...run.resources.filter((r) => r.custom).map((r) => r.type), ...run.invokes.map((invoke) => invoke.token)].map((token) => token.split(":")[0]),
    );
    const azureadVersion: string = require("@pulumi/azuread/package.json").pulumi.version;
    return [...packages].map((name) => {
        const type = `pulumi:providers:${name}`;
        const providerName = name === "azuread" ? `default_${azureadVersion.replace(/\./g, "_")}` : "default";
        return { type, name: providerName, urn: `urn:pulumi:contoso::d365-backup-access::${type}::${providerName}`, props: {} };
    });
}

describe("the policy pack against the program's registrations", function () {
    // One child process per configuration: the setup takes as long as the machine is busy, so the
    // bound only catches a hang.
    this.timeout(600000);
    let emulator: RunningEmulator;
    let account: { id: string; userPrincipalName: string };
    let environmentIds: string[];
    const runs: Record<string, { config: Record<string, string>; run: ProgramRun }> = {};

    before(async () => {
        const seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        account = seed.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
        // The demo tenant's Teams environment and the one still provisioning are skipped: never listed, never registered.
        environmentIds = servedEnvironments(seed).map((environment: any) => environment.id);
        emulator = await startEmulator(seed);
        const users = seed.users.map((user: any) => ({ objectId: user.id, userPrincipalName: user.userPrincipalName }));
        const configs: Record<string, Record<string, string>> = {
            bootstrap: { "d365-backup-access:stage": "bootstrap", "d365-backup-access:serviceAccount": account.userPrincipalName },
            // By object id and with listed environments: the pack checks both against the registrations.
            operational: {
                "d365-backup-access:stage": "operational",
                "d365-backup-access:serviceAccount": account.id,
                "d365-backup-access:environments": JSON.stringify(environmentIds),
            },
            reauth: { "d365-backup-access:stage": "reauth", "d365-backup-access:serviceAccount": account.userPrincipalName },
            // Global Administrator through PIM, and the operator's client secret in the stack's configuration.
            elevated: {
                "d365-backup-access:stage": "bootstrap",
                "d365-backup-access:serviceAccount": account.userPrincipalName,
                "d365-backup-access:elevationHours": "2",
                "azuread:clientSecret": seed.operator.clientSecret,
            },
            plainSecret: {
                "d365-backup-access:stage": "operational",
                "d365-backup-access:serviceAccount": account.userPrincipalName,
                "azuread:clientSecret": seed.operator.clientSecret,
            },
        };
        const secretKeys: Record<string, string[]> = { elevated: ["azuread:clientSecret"] };
        const names = Object.keys(configs);
        // Two at a time: each run is a Node process of its own.
        for (let i = 0; i < names.length; i += 2) {
            const batch = names.slice(i, i + 2);
            const results = await Promise.all(
                batch.map((name) => {
                    const config = { "d365-backup-access:environments": '["*"]', ...configs[name] };
                    return runProgram({ config, secretKeys: secretKeys[name], users, env: emulator.env }).then((run) => ({ config, run }));
                }),
            );
            batch.forEach((name, index) => (runs[name] = results[index]));
        }
    });

    after(async () => {
        await emulator?.stop();
    });

    it("every stage of the program passes every rule", async () => {
        for (const [stage, { config, run }] of Object.entries(runs).filter(([name]) => name !== "plainSecret")) {
            assert.equal(run.error, undefined, `${stage}: ${run.error}`);
            const resources = asViews(run);
            // The pack's type tokens are the program's: the rules see its directory roles, group membership, users and roles.
            const count = (type: string) => resources.filter((r) => r.type === type).length;
            assert.equal(count(DIRECTORY_ROLE_ASSIGNMENT), stage === "reauth" ? 3 : stage === "elevated" ? 1 : 2, stage);
            assert.equal(count(GROUP_MEMBER), 1, stage);
            // One resource per environment: the role keeps the user (Read-Write) too.
            assert.equal(count(ENVIRONMENT_USER), 0, stage);
            assert.equal(count(SECURITY_ROLE_ASSIGNMENT), environmentIds.length, stage);
            for (const role of resources.filter((r) => r.type === SECURITY_ROLE_ASSIGNMENT)) assert.equal(role.props.accessMode, "read-write", stage);
            // Each dynamic resource stores the program's hosted provider, the text the pack lets through.
            for (const resource of resources.filter((r) => HOSTED_PROVIDER_TEXTS[r.type] !== undefined)) {
                assert.equal(resource.props.__provider, HOSTED_PROVIDER_TEXTS[resource.type], `${stage}: ${resource.name}`);
            }
            // With the engine's default providers, as the CLI hands them to the pack.
            assert.deepEqual(await violations([...engineProviders(run), ...resources], stackConfig(config)), [], stage);
        }
    });

    it("the pack's allow-list is exactly what the program registers in its stages, with the stack and the engine's providers", () => {
        const registered = Object.values(runs).flatMap(({ run }) => run.resources);
        // The engine adds the stack's root resource, and for each package of a custom resource
        // and for each package of a custom resource or an invoke the default provider
        // `pulumi:providers:<package>` (a real state shows them: test/policy/facts.test.ts).
        const invoked = Object.values(runs).flatMap(({ run }) => run.invokes.map((invoke) => invoke.token));
        const packages = [...registered.filter((r) => r.custom).map((r) => r.type), ...invoked].map((token) => token.split(":")[0]);
        const engine = [STACK, ...packages.map((name) => `pulumi:providers:${name}`)];
        // And EnvironmentUser, which the program registers only for an environment it holds whose
        // state has one (a stack written with a user and a role per environment; test/index/program.test.ts).
        const types = [...new Set([...registered.map((r) => r.type), ...engine, ENVIRONMENT_USER])].sort();
        assert.ok(types.includes(TIME_BOUND_ROLE_ASSIGNMENT), "the elevated run registers the time-bound Global Administrator");
        assert.deepEqual(types, [...DECLARED_RESOURCE_TYPES].sort());
    });

    it("refuses the bootstrap stage's Global Administrator carried into the operational stage", async () => {
        const globalAdministrator = asViews(runs.bootstrap.run).find((r) => r.name === "directory-role-global-administrator");
        assert.ok(globalAdministrator, "bootstrap registers Global Administrator");
        const found = await violations([...asViews(runs.operational.run), globalAdministrator], stackConfig(runs.operational.config));
        assert.deepEqual(
            found.map((v) => v.policy),
            ["no-global-administrator-in-operational"],
            JSON.stringify(found, null, 2),
        );
        assert.match(
            found[0].message,
            /DirectoryRoleAssignment "directory-role-global-administrator" assigns Global Administrator while d365-backup-access:stage is operational/,
        );
    });

    it("refuses an environment's access the program registered for another account than the configured object id", async () => {
        const resources = asViews(runs.operational.run);
        const user = resources.find((r) => r.type === SECURITY_ROLE_ASSIGNMENT)!;
        const stranger = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b";
        const tampered = resources.map((r) => (r === user ? { ...r, props: { ...r.props, userObjectId: stranger } } : r));
        const found = await violations(tampered, stackConfig(runs.operational.config));
        const policies = [...new Set(found.map((v) => v.policy))].sort();
        // The stray user and role are not the configured account's.
        assert.deepEqual(policies, ["grants-for-configured-account"], JSON.stringify(found, null, 2));
        assert.ok(
            found.some((v) => v.message.includes(`${user.name}" grants access to "${stranger}"`)),
            JSON.stringify(found, null, 2),
        );
    });

    it("a time-bound Global Administrator passes: the pack's rules know the program's PIM assignment", async () => {
        const resources = asViews(runs.elevated.run);
        assert.ok(resources.some((r) => r.type === "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment"));
        assert.deepEqual(await violations(resources, stackConfig(runs.elevated.config)), []);
    });

    it("a credential set without --secret is recorded by the program on its component and refused by the pack", async () => {
        const { run, config } = runs.plainSecret;
        assert.equal(run.error, undefined, run.error);
        const component = asViews(run).find((r) => r.type === "d365-backup-access:index:ServiceAccountAccess")!;
        assert.deepEqual(component.props.plainTextCredentialKeys, ["azuread:clientSecret"]);
        assert.deepEqual(asViews(runs.elevated.run).find((r) => r.type === component.type)!.props.plainTextCredentialKeys, [], "a secret one is not recorded");
        const found = await violations(asViews(run), stackConfig(config));
        assert.deepEqual(
            found.map((v) => v.policy),
            ["no-secret-in-plain-config"],
        );
        assert.match(found[0].message, /azuread:clientSecret is stored in plain text/);
    });
});
