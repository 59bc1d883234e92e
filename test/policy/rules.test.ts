// Every rule of the policy pack: a stack that keeps it passes, one that breaks it is
// reported, naming the resource (or key) and the fix.

import { strict as assert } from "assert";

import { ResourceView } from "../../policy/resources";
import { hostedProviderText } from "../../providers";
import { StackConfig } from "../../policy/stack-config";
import { onlyDeclaredResourceTypes } from "../../policy/rules/declared-types";
import { fakeResource, stackConfig, Violation, violations } from "../support/pack-runner";

const ACCOUNT = "3b6c9d2e-4f5a-4b7c-8d9e-0f1a2b3c4d5e";
const STRANGER = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b";
const ENV_A = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const ENV_B = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
const GROUP = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";
const GA = "62e90394-69f5-4237-9190-012177145e10";
const D365 = "44367163-eba1-44c3-98af-f5787879f96a";
const PPA = "11648597-926c-4cf3-9c36-bcebb0ba8dcc";
const PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const SYSTEM_ADMINISTRATOR = "627090ff-40a3-4053-8790-584edc5be201";
const BASIC_USER = "d58407f2-48d5-e711-a82c-000d3a37c848";

const ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
const TIME_BOUND = "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment";
const GROUP_MEMBER = "azuread:index/groupMember:GroupMember";
const ENVIRONMENT_USER = "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser";
const SECURITY_ROLE = "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment";

const roleAssignment = (key: string, roleId: string, extra: Record<string, unknown> = {}) =>
    fakeResource(ROLE_ASSIGNMENT, `directory-role-${key}`, { roleId, principalObjectId: ACCOUNT, directoryScopeId: "/", ...extra });
/** A resource of one of the program's own providers, as state holds it: its inputs and the provider code that serves it (which extra may replace). */
const hosted = (
    resourceType: "TimeBoundRoleAssignment" | "EnvironmentUser" | "SecurityRoleAssignment",
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Record<string, unknown>,
) => fakeResource(type, name, { ...inputs, __provider: hostedProviderText(resourceType), ...extra });
const timeBound = (hours: unknown, extra: Record<string, unknown> = {}) =>
    hosted(
        "TimeBoundRoleAssignment",
        TIME_BOUND,
        "directory-role-global-administrator",
        { roleId: GA, principalObjectId: ACCOUNT, directoryScopeId: "/", elevationHours: hours, justification: "Create the Dynamics 365 connector" },
        extra,
    );
const environmentUser = (environmentId: string, extra: Record<string, unknown> = {}) =>
    hosted("EnvironmentUser", ENVIRONMENT_USER, `environment-user-${environmentId}`, { environmentId, userObjectId: ACCOUNT, accessMode: "read-write" }, extra);
const systemAdministrator = (environmentId: string, extra: Record<string, unknown> = {}) =>
    hosted(
        "SecurityRoleAssignment",
        SECURITY_ROLE,
        `system-administrator-${environmentId}`,
        { environmentId, userObjectId: ACCOUNT, roleTemplateId: SYSTEM_ADMINISTRATOR },
        extra,
    );
const groupMember = (extra: Record<string, unknown> = {}) =>
    fakeResource(GROUP_MEMBER, `security-group-member-${GROUP}`, { groupObjectId: GROUP, memberObjectId: ACCOUNT, ...extra });

const stack = () => fakeResource("pulumi:pulumi:Stack", "d365-backup-access-contoso", {});
/** The program's component, with what it recorded of plain-text credentials ("unrecorded": an older program's, without the record). */
const component = (plainTextCredentialKeys: unknown = []) =>
    fakeResource(
        "d365-backup-access:index:ServiceAccountAccess",
        "backup-service-account",
        plainTextCredentialKeys === "unrecorded" ? {} : { plainTextCredentialKeys },
    );
const environmentAccess = (): ResourceView[] => [
    stack(),
    component(),
    groupMember(),
    environmentUser(ENV_A),
    systemAdministrator(ENV_A),
    environmentUser(ENV_B),
    systemAdministrator(ENV_B),
];
const BOOTSTRAP = (): ResourceView[] => [
    roleAssignment("global-administrator", GA),
    roleAssignment("dynamics-365-administrator", D365),
    ...environmentAccess(),
];
const OPERATIONAL = (): ResourceView[] => [
    roleAssignment("dynamics-365-administrator", D365),
    roleAssignment("power-platform-administrator", PPA),
    ...environmentAccess(),
];

function configFor(stage: string, extra: Record<string, string> = {}): StackConfig {
    return stackConfig({
        "d365-backup-access:stage": stage,
        "d365-backup-access:serviceAccount": ACCOUNT,
        "d365-backup-access:environments": JSON.stringify([ENV_A, ENV_B]),
        "azuread:clientSecret": "the-operators-client-secret",
        ...extra,
    });
}

function only(found: Violation[], policy: string): Violation[] {
    const others = found.filter((v) => v.policy !== policy);
    assert.deepEqual(others, [], `only ${policy} should be violated`);
    return found;
}

/** One violation of that policy, which names `mentions` and says how to fix it. */
function assertOneViolation(found: Violation[], policy: string, mentions: (string | RegExp)[]): Violation {
    only(found, policy);
    assert.equal(found.length, 1, JSON.stringify(found, null, 2));
    const [violation] = found;
    for (const text of mentions) {
        if (typeof text === "string") assert.ok(violation.message.includes(text), `"${text}" in: ${violation.message}`);
        else assert.match(violation.message, text);
    }
    assert.match(violation.message, /Fix: /);
    return violation;
}

describe("policy pack rules", () => {
    it("the program's own stages pass every rule", async () => {
        assert.deepEqual(await violations(BOOTSTRAP(), configFor("bootstrap")), []);
        assert.deepEqual(await violations(OPERATIONAL(), configFor("operational")), []);
        assert.deepEqual(await violations([roleAssignment("global-administrator", GA), ...OPERATIONAL()], configFor("reauth")), []);
        assert.deepEqual(await violations([timeBound(4), ...OPERATIONAL()], configFor("reauth", { "d365-backup-access:elevationHours": "4" })), []);
    });

    describe("only-declared-resource-types", () => {
        const PRIVILEGED_ROLE_ADMINISTRATOR_MEMBER = () =>
            fakeResource("azuread:index/directoryRoleMember:DirectoryRoleMember", "privileged-role-administrator", {
                roleObjectId: "7a1c3e5f-2b4d-4f6a-8c0e-1d3f5a7b9c2e",
                memberObjectId: ACCOUNT,
            });

        it("lets through the stack, the component, every grant type of the program and the providers the engine registers", async () => {
            const providers = [fakeResource("pulumi:providers:azuread", "default_6_9_1", {}), fakeResource("pulumi:providers:pulumi-nodejs", "default", {})];
            const config = configFor("reauth", { "d365-backup-access:elevationHours": "4" });
            assert.deepEqual(await violations([...providers, timeBound(4), ...OPERATIONAL()], config), []);
        });

        it("refuses a Privileged Role Administrator membership that every other rule lets through, naming the type, the resource and the fix", async () => {
            const member = PRIVILEGED_ROLE_ADMINISTRATOR_MEMBER();
            const found = await violations([...OPERATIONAL(), member], configFor("operational"));
            const violation = assertOneViolation(found, "only-declared-resource-types", [
                'DirectoryRoleMember "privileged-role-administrator" is of type azuread:index/directoryRoleMember:DirectoryRoleMember, which the program does not declare',
                "Fix: remove it from the program",
                "add azuread:index/directoryRoleMember:DirectoryRoleMember to DECLARED_RESOURCE_TYPES in policy/facts.ts",
            ]);
            assert.equal(violation.urn, member.urn);
        });

        it("refuses another type in the program's own namespaces: a dynamic PIM eligibility request, another component, another provider", async () => {
            const strangers = [
                fakeResource("pulumi-nodejs:dynamic/entra:RoleEligibilityScheduleRequest", "privileged-role-administrator-eligibility", {
                    principalId: ACCOUNT,
                }),
                fakeResource("d365-backup-access:index:OtherAccess", "other", {}),
                fakeResource("pulumi:providers:azure-native", "default", {}),
            ];
            const found = await violations([...OPERATIONAL(), ...strangers], configFor("operational"));
            only(found, "only-declared-resource-types");
            assert.deepEqual(
                found.map((v) => v.urn),
                strangers.map((r) => r.urn),
            );
        });

        it("refuses a provider the program declares itself, whatever its type: only the engine's default providers pass", async () => {
            const explicit = fakeResource("pulumi:providers:azuread", "other-tenant", { tenantId: STRANGER, metadataHost: "login.example.net" });
            const found = await violations([fakeResource("pulumi:providers:azuread", "default", {}), explicit, ...OPERATIONAL()], configFor("operational"));
            const violation = assertOneViolation(found, "only-declared-resource-types", [
                'azuread "other-tenant" is a provider the program declares itself',
                '"default" or "default_<version>"',
                "Fix: remove the provider from the program",
            ]);
            assert.equal(violation.urn, explicit.urn);
            for (const name of ["default-6-9-1", "default_6_9", "my_default", "default_6_9_1_evil"]) {
                const named = await violations([fakeResource("pulumi:providers:pulumi-nodejs", name, {})], configFor("operational"), [
                    onlyDeclaredResourceTypes(),
                ]);
                assert.equal(named.length, 1, name);
            }
        });

        it("refuses a dynamic resource of a declared type whose __provider is not the program's hosted provider", async () => {
            const otherCode = "exports.handler = () => ({ create: async () => ({ id: 'x' }) });\n";
            const strangers = [
                environmentUser(ENV_A, { __provider: otherCode }),
                systemAdministrator(ENV_A, { __provider: hostedProviderText("EnvironmentUser") }),
                timeBound(4, { __provider: 42 }),
            ];
            const config = configFor("reauth", { "d365-backup-access:elevationHours": "4" });
            const found = await violations([...strangers, ...OPERATIONAL().filter((r) => !r.name.endsWith(ENV_A))], config);
            only(found, "only-declared-resource-types");
            assert.deepEqual(
                found.map((v) => v.urn),
                strangers.map((r) => r.urn),
            );
            assert.match(found[0].message, /EnvironmentUser "environment-user-[^"]+" carries other provider code \(\d+ characters\) in its __provider input/);
            assert.ok(!found[0].message.includes(otherCode.trim()), "the foreign code is not repeated");
            assert.ok(found[0].message.includes(JSON.stringify(hostedProviderText("EnvironmentUser").trim())), found[0].message);
            assert.match(found[0].message, /Fix: register EnvironmentUser through the program's own class/);
            assert.match(found[2].message, /carries no provider code as text \(a number\)/);
        });
    });

    describe("no-global-administrator-in-operational", () => {
        it("refuses Global Administrator, permanent or time-bound, in the operational stage", async () => {
            const permanent = await violations([roleAssignment("global-administrator", GA), ...OPERATIONAL()], configFor("operational"));
            const violation = assertOneViolation(permanent, "no-global-administrator-in-operational", [
                'DirectoryRoleAssignment "directory-role-global-administrator"',
                "d365-backup-access:stage is operational",
                "set d365-backup-access:stage to reauth",
            ]);
            assert.match(violation.urn!, /::directory-role-global-administrator$/);

            const timeBoundInOperational = await violations(
                [timeBound(4), ...OPERATIONAL()],
                configFor("Operational", { "d365-backup-access:elevationHours": "4" }),
            );
            assertOneViolation(timeBoundInOperational, "no-global-administrator-in-operational", [
                'TimeBoundRoleAssignment "directory-role-global-administrator"',
            ]);
        });

        it("fails closed when the pack sees no stack configuration", async () => {
            const found = await violations(BOOTSTRAP(), stackConfig(undefined));
            assertOneViolation(found, "no-global-administrator-in-operational", ["cannot see d365-backup-access:stage", "--policy-pack"]);
            assert.deepEqual(await violations(OPERATIONAL(), stackConfig(undefined)), [], "nothing to check without Global Administrator");
        });
    });

    describe("global-administrator-time-bound", () => {
        it("refuses a permanent Global Administrator when elevationHours is set", async () => {
            const found = await violations(BOOTSTRAP(), configFor("bootstrap", { "d365-backup-access:elevationHours": "4" }));
            assertOneViolation(found, "global-administrator-time-bound", [
                'DirectoryRoleAssignment "directory-role-global-administrator" assigns Global Administrator permanently',
                "ends after 4 hours",
                "pulumi config rm d365-backup-access:elevationHours",
            ]);
        });

        it("accepts the time-bound assignment of the configured hours, and a permanent one without elevationHours", async () => {
            const timeBoundStack = [timeBound(8), roleAssignment("dynamics-365-administrator", D365), ...environmentAccess()];
            assert.deepEqual(await violations(timeBoundStack, configFor("bootstrap", { "d365-backup-access:elevationHours": "8" })), []);
            assert.deepEqual(await violations(BOOTSTRAP(), configFor("bootstrap")), []);
        });

        it("refuses a time-bound assignment of other hours than configured, or beyond 24 hours", async () => {
            const other = await violations([timeBound(6), ...environmentAccess()], configFor("bootstrap", { "d365-backup-access:elevationHours": "4" }));
            assertOneViolation(other, "global-administrator-time-bound", ["for 6 hours", "elevationHours is 4"]);
            const tooLong = await violations([timeBound(48), ...environmentAccess()], configFor("bootstrap"));
            assertOneViolation(tooLong, "global-administrator-time-bound", ["for 48 hours", "from 1 to 24"]);
        });

        it("names a configured elevationHours that is not a number of hours", async () => {
            const found = await violations(BOOTSTRAP(), configFor("bootstrap", { "d365-backup-access:elevationHours": "a day" }));
            assertOneViolation(found, "global-administrator-time-bound", ['d365-backup-access:elevationHours is "a day"', "whole hours from 1 to 24"]);
        });
    });

    describe("expected-directory-roles", () => {
        it("refuses a role the backup account does not need", async () => {
            const found = await violations(
                [...OPERATIONAL(), roleAssignment("privileged-role-administrator", PRIVILEGED_ROLE_ADMINISTRATOR)],
                configFor("operational"),
            );
            assertOneViolation(found, "expected-directory-roles", [
                'DirectoryRoleAssignment "directory-role-privileged-role-administrator"',
                PRIVILEGED_ROLE_ADMINISTRATOR,
                "Power Platform Administrator (11648597-926c-4cf3-9c36-bcebb0ba8dcc)",
            ]);
        });

        it("refuses a role scoped below the tenant", async () => {
            const scoped = roleAssignment("power-platform-administrator", PPA, { directoryScopeId: "/administrativeUnits/5f6a7b8c" });
            const found = await violations([roleAssignment("dynamics-365-administrator", D365), scoped, ...environmentAccess()], configFor("operational"));
            assertOneViolation(found, "expected-directory-roles", [
                '"directory-role-power-platform-administrator" is scoped to "/administrativeUnits/5f6a7b8c"',
                'set directoryScopeId to "/"',
            ]);
        });
    });

    describe("grants-for-configured-account", () => {
        it("refuses a grant to another principal than the configured object id", async () => {
            const stray = environmentUser(ENV_B, { userObjectId: STRANGER });
            const resources = [...OPERATIONAL().filter((r) => r.name !== stray.name), stray];
            const found = (await violations(resources, configFor("operational"))).filter((v) => v.policy === "grants-for-configured-account");
            assert.equal(found.length, 1, JSON.stringify(found));
            assert.ok(found[0].message.includes(`EnvironmentUser "environment-user-${ENV_B}" grants access to "${STRANGER}"`), found[0].message);
            assert.ok(found[0].message.includes(`the configured account ${ACCOUNT} (d365-backup-access:serviceAccount)`), found[0].message);
            assert.equal(found[0].urn, stray.urn);
        });

        it("refuses every grant when none is for the configured object id", async () => {
            const found = await violations(OPERATIONAL(), configFor("operational", { "d365-backup-access:serviceAccount": STRANGER }));
            only(found, "grants-for-configured-account");
            assert.equal(
                found.length,
                OPERATIONAL().filter((r) => !["pulumi:pulumi:Stack", "d365-backup-access:index:ServiceAccountAccess"].includes(r.type)).length,
            );
        });

        it("with a user principal name, refuses the grant that names another principal than the rest", async () => {
            const config = configFor("operational", { "d365-backup-access:serviceAccount": "backup@contoso.onmicrosoft.com" });
            assert.deepEqual(await violations(OPERATIONAL(), config), []);
            const found = await violations([...OPERATIONAL(), groupMember({ memberObjectId: STRANGER })], config);
            const violation = assertOneViolation(found, "grants-for-configured-account", [
                `GroupMember "security-group-member-${GROUP}" grants access to "${STRANGER}" (memberObjectId)`,
                ACCOUNT,
            ]);
            assert.ok(violation.urn);
        });
    });

    describe("environment-users-read-write-system-administrator", () => {
        it("refuses an environment user whose access mode is not Read-Write", async () => {
            const resources = OPERATIONAL().map((r) => (r.name === `environment-user-${ENV_A}` ? environmentUser(ENV_A, { accessMode: "administrative" }) : r));
            const found = await violations(resources, configFor("operational"));
            assertOneViolation(found, "environment-users-read-write-system-administrator", [
                `EnvironmentUser "environment-user-${ENV_A}"`,
                '"administrative"',
                'set accessMode to "read-write"',
            ]);
        });

        it("refuses an environment user without the System Administrator role", async () => {
            const resources = OPERATIONAL().filter((r) => r.name !== `system-administrator-${ENV_B}`);
            const found = await violations(resources, configFor("operational"));
            assertOneViolation(found, "environment-users-read-write-system-administrator", [
                `EnvironmentUser "environment-user-${ENV_B}"`,
                "no System Administrator role",
                SYSTEM_ADMINISTRATOR,
            ]);
        });

        it("refuses a Dataverse role other than System Administrator", async () => {
            const resources = [...OPERATIONAL(), systemAdministrator(ENV_A, { roleTemplateId: BASIC_USER })].map((r, i, all) =>
                i === all.length - 1 ? { ...r, name: `basic-user-${ENV_A}` } : r,
            );
            const found = await violations(resources, configFor("operational"));
            assertOneViolation(found, "environment-users-read-write-system-administrator", [`SecurityRoleAssignment "basic-user-${ENV_A}"`, BASIC_USER]);
        });

        it("passes one resource per environment, a role that keeps a Read-Write user, in place of the pair", async () => {
            const merged = OPERATIONAL()
                .filter((r) => r.type !== ENVIRONMENT_USER)
                .map((r) => (r.type === SECURITY_ROLE ? systemAdministrator(String(r.props.environmentId), { accessMode: "read-write" }) : r));
            assert.deepEqual(await violations(merged, configFor("operational")), []);
        });

        it("refuses a role that keeps a user whose access mode is not Read-Write", async () => {
            const merged = OPERATIONAL()
                .filter((r) => r.type !== ENVIRONMENT_USER)
                .map((r) =>
                    r.type === SECURITY_ROLE
                        ? systemAdministrator(String(r.props.environmentId), { accessMode: r.props.environmentId === ENV_A ? "read" : "read-write" })
                        : r,
                );
            const found = await violations(merged, configFor("operational"));
            assertOneViolation(found, "environment-users-read-write-system-administrator", [
                `SecurityRoleAssignment "system-administrator-${ENV_A}"`,
                '"read"',
                'set accessMode to "read-write"',
            ]);
        });

        it('refuses a listed environment without a user, and checks no list for ["*"]', async () => {
            const resources = OPERATIONAL().filter((r) => !r.name.endsWith(ENV_B));
            const found = await violations(resources, configFor("operational"));
            assertOneViolation(found, "environment-users-read-write-system-administrator", [`Environment ${ENV_B}, listed in d365-backup-access:environments`]);
            assert.deepEqual(await violations(resources, configFor("operational", { "d365-backup-access:environments": '["*"]' })), []);
        });
    });

    describe("no-secret-in-plain-config", () => {
        const withComponent = (recorded: unknown) =>
            OPERATIONAL().map((r) => (r.type === "d365-backup-access:index:ServiceAccountAccess" ? component(recorded) : r));

        it("refuses each credential the program found in plain text, naming the key but never its value", async () => {
            const found = await violations(
                withComponent(["azuread:clientCertificatePassword"]),
                configFor("operational", { "azuread:clientCertificatePassword": "pfx-password" }),
            );
            const violation = assertOneViolation(found, "no-secret-in-plain-config", [
                "azuread:clientCertificatePassword is stored in plain text in Pulumi.contoso.yaml",
                "`pulumi config set --secret azuread:clientCertificatePassword`",
            ]);
            assert.ok(!violation.message.includes("pfx-password"));
            assert.match(violation.urn!, /::backup-service-account$/, "reported on the component, analyzed before any of its children");
        });

        it("accepts a component that found every credential encrypted", async () => {
            assert.deepEqual(await violations(OPERATIONAL(), configFor("operational")), []);
        });

        it("fails closed on a component that does not say (an older program)", async () => {
            const found = await violations(withComponent("unrecorded"), configFor("operational"));
            assertOneViolation(found, "no-secret-in-plain-config", ["does not say which credentials are stored in plain text"]);
        });
    });
});
