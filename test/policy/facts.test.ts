// The pack repeats a few facts of the program so that it can be published on its own
// (policy/facts.ts); they must stay the program's.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import { DIRECTORY_ROLES as PROGRAM_ROLES, GLOBAL_ADMINISTRATOR as PROGRAM_GLOBAL_ADMINISTRATOR } from "../../lib/directory-roles";
import { isGuid as programIsGuid } from "../../lib/ids";
import * as facts from "../../policy/facts";
import { CONFIG_KEYS, hostedProviderText, NAMESPACE, readClientSettings, SECRET_CONFIG_KEYS, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../../providers";

const REPOSITORY = path.resolve(__dirname, "..", "..");

describe("policy pack facts", () => {
    it("are the program's directory roles, System Administrator role, namespace and id shape", () => {
        const pick = ({ displayName, templateId }: { displayName: string; templateId: string }) => ({ displayName, templateId });
        assert.deepEqual(facts.DIRECTORY_ROLES.map(pick), PROGRAM_ROLES.map(pick));
        assert.deepEqual(pick(facts.GLOBAL_ADMINISTRATOR), pick(PROGRAM_GLOBAL_ADMINISTRATOR));
        assert.equal(facts.SYSTEM_ADMINISTRATOR_TEMPLATE_ID, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID);
        assert.equal(facts.NAMESPACE, NAMESPACE);
        for (const id of ["62e90394-69f5-4237-9190-012177145e10", "62E90394-69F5-4237-9190-012177145E10", "backup@contoso.com", "62e90394"]) {
            assert.equal(facts.isGuid(id), programIsGuid(id), id);
        }
    });

    it("name as secret exactly the credential keys the program reads as secret", () => {
        assert.deepEqual(facts.SECRET_CONFIG_KEYS, SECRET_CONFIG_KEYS);
        for (const key of SECRET_CONFIG_KEYS) assert.ok(CONFIG_KEYS.includes(key), `${key} is a key the clients read`);
        // The clients' reader never shows a secret key's value in a problem; other keys' values it shows.
        // (useOidc: the OIDC tokens are read only then.)
        const problems = (key: string) => readClientSettings({ "azuread:useOidc": "true", [key]: { value: "shown-value" } }, {}).problems.join("\n");
        for (const key of SECRET_CONFIG_KEYS) {
            assert.ok(problems(key).includes(`${key}: a non-text value is not text`), problems(key));
            assert.ok(!problems(key).includes("shown-value"), problems(key));
        }
        assert.ok(problems("azuread:clientId").includes("shown-value"), "a non-secret key's value is shown");
    });

    it("declare every resource type of a real deployment's state, the engine's providers included", async () => {
        // A state exported by the CLI (`pulumi stack export` after an update of release 0.1.0, before time-bound elevation existed).
        const state = JSON.parse(await fs.readFile(path.join(REPOSITORY, "test", "e2e", "fixtures", "state-0.1.0", "state.json"), "utf8"));
        const types: string[] = [...new Set<string>(state.deployment.resources.map((resource: { type: string }) => resource.type))];
        assert.ok(types.includes("pulumi:providers:azuread") && types.includes("pulumi:providers:pulumi-nodejs"), types.join(", "));
        for (const type of types) assert.ok(facts.DECLARED_RESOURCE_TYPES.includes(type), `${type} is in DECLARED_RESOURCE_TYPES`);
        // The engine's default providers, by the names the engine gives them ("default", "default_6_9_1").
        const providers = state.deployment.resources.filter((resource: { type: string }) => resource.type.startsWith(facts.PROVIDER_TYPE_PREFIX));
        const names = providers.map((resource: { urn: string }) => resource.urn.split("::").pop());
        assert.deepEqual(names.sort(), ["default", "default_6_9_1"]);
        for (const name of names) assert.ok(facts.isDefaultProviderName(name), name);
    });

    it("hold, for each of the program's dynamic types, the provider text the program stores", () => {
        const types: Record<string, Parameters<typeof hostedProviderText>[0]> = {
            "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser": "EnvironmentUser",
            "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment": "SecurityRoleAssignment",
            "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment": "TimeBoundRoleAssignment",
        };
        assert.deepEqual(Object.keys(facts.HOSTED_PROVIDER_TEXTS).sort(), Object.keys(types).sort());
        for (const [type, resourceType] of Object.entries(types)) {
            assert.equal(facts.HOSTED_PROVIDER_TEXTS[type], hostedProviderText(resourceType), type);
        }
        // The types are the ones the program's classes register (test/policy/policies.test.ts checks each registration's __provider).
        for (const type of Object.keys(types)) assert.ok(facts.DECLARED_RESOURCE_TYPES.includes(type), type);
    });

    it("use the versions the project is pinned to, so that the published pack runs what CI ran", async () => {
        const root = JSON.parse(await fs.readFile(path.join(REPOSITORY, "package.json"), "utf8"));
        const pack = JSON.parse(await fs.readFile(path.join(REPOSITORY, "policy", "package.json"), "utf8"));
        for (const name of ["@pulumi/policy", "@pulumi/pulumi"]) {
            assert.equal(pack.dependencies[name], root.dependencies[name], name);
        }
    });
});
