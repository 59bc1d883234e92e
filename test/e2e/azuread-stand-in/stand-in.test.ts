// The azuread stand-in over gRPC, as the engine calls it, against the tenant emulator:
// configuration, the getUser function and both resource types, including the real
// provider's refusals (duplicate assignment, existing member, 404 on delete), refresh
// of objects removed behind its back, and retries through throttling.
//
// Runs with the end-to-end suite (npm run test:e2e); needs no Pulumi CLI.

import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

import { RunningEmulator, startEmulator } from "../../../emulator";
import { ensureCertificateAuthority, ensureKeyPair, issueServerCertificate } from "../../../emulator/tls/certificates";
import { notPointedAtEmulator } from "../../../workspace/loopback";
import { standInBanner } from "../../../scripts/prepare-shell";
import { ProviderProcess, startProviderProcess } from "../../support/provider-process";

const REPOSITORY = path.resolve(__dirname, "..", "..", "..");
// What the generated plugin launcher runs (workspace/pulumi-home.ts).
const LAUNCH = path.join(__dirname, "launch.js");
const DRA = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
const GROUP_MEMBER = "azuread:index/groupMember:GroupMember";
const GET_USER = "azuread:index/getUser:getUser";
const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const POWER_PLATFORM_ADMINISTRATOR = "11648597-926c-4cf3-9c36-bcebb0ba8dcc";

type Props = Record<string, unknown>;
const struct = (props: Props) => structproto.Struct.fromJavaScript(props as Record<string, structproto.JavaScriptValue>);
const secret = (value: string) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
const urn = (type: string, name: string) => `urn:pulumi:test::project::${type}::${name}`;

interface StandIn extends ProviderProcess {}

function startStandIn(env: NodeJS.ProcessEnv): Promise<StandIn> {
    return startProviderProcess("the stand-in", [LAUNCH, "127.0.0.1:1", "-v=9", "--logtostderr"], { cwd: REPOSITORY, env });
}

function configureRequest(args: Props, variables: Record<string, string> = {}) {
    const request = new provproto.ConfigureRequest().setArgs(struct(args)).setAcceptsecrets(true).setType("pulumi:providers:azuread");
    for (const [key, value] of Object.entries(variables)) request.getVariablesMap().set(key, value);
    return request;
}

describe("azuread stand-in plugin over gRPC against the tenant emulator", function () {
    this.timeout(120_000);

    let seed: any;
    let emulator: RunningEmulator;
    let standIn: StandIn;
    let account: { id: string; userPrincipalName: string };
    let group: { id: string };
    /** The emulator's variables without the secret: it must come from the provider configuration. */
    let env: NodeJS.ProcessEnv;

    const invoke = async (args: Props) => {
        const response = await standIn.call("invoke", new provproto.InvokeRequest().setTok(GET_USER).setArgs(struct(args)));
        return { result: response.getReturn()?.toJavaScript() as Props | undefined, failures: response.getFailuresList().map((f: any) => f.getProperty()) };
    };
    const check = async (type: string, news: Props) => {
        const response = await standIn.call(
            "check",
            new provproto.CheckRequest().setUrn(urn(type, "r")).setType(type).setOlds(struct({})).setNews(struct(news)),
        );
        return response.getFailuresList().map((f: any) => `${f.getProperty()}: ${f.getReason()}`) as string[];
    };
    const create = async (type: string, props: Props, preview = false) => {
        const request = new provproto.CreateRequest().setUrn(urn(type, "r")).setType(type).setProperties(struct(props)).setPreview(preview);
        const response = await standIn.call("create", request);
        return { id: response.getId() as string, outputs: response.getProperties().toJavaScript() as Props };
    };
    const read = async (type: string, id: string, props: Props) => {
        const request = new provproto.ReadRequest().setUrn(urn(type, "r")).setType(type).setId(id).setProperties(struct(props)).setInputs(struct(props));
        const response = await standIn.call("read", request);
        return { id: response.getId() as string, outputs: (response.getProperties()?.toJavaScript() ?? {}) as Props };
    };
    const remove = (type: string, id: string, props: Props) =>
        standIn.call("delete", new provproto.DeleteRequest().setUrn(urn(type, "r")).setType(type).setId(id).setProperties(struct(props)));
    const rolesOf = (principalId: string) =>
        emulator
            .state()
            .directoryRoleAssignments!.filter((a) => a.principalId === principalId)
            .map((a) => a.roleDefinitionId)
            .sort();

    before(async () => {
        seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        account = seed.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
        group = seed.groups[0];
        emulator = await startEmulator(seed);
        const { ARM_CLIENT_SECRET: _secret, ...rest } = emulator.env;
        env = { ...process.env, ...rest };
        delete env.ARM_CLIENT_SECRET;
        standIn = await startStandIn(env);
    });

    after(async () => {
        await standIn?.stop();
        await emulator?.stop();
    });

    it("reports the version of the plugin it stands in for and leaves unknown RPCs unimplemented", async () => {
        const info = await standIn.call("getPluginInfo", new (require("google-protobuf/google/protobuf/empty_pb").Empty)());
        assert.equal(info.getVersion(), "6.9.1");
        await assert.rejects(standIn.call("construct", new provproto.ConstructRequest()), (error: any) => error.code === grpc.status.UNIMPLEMENTED);
    });

    it("refuses a wrong client secret at configure time without repeating it", async () => {
        const other = await startStandIn(env);
        try {
            const wrong = "not-the-operator-secret-0123456789";
            await assert.rejects(other.call("configure", configureRequest({ clientSecret: secret(wrong) })), (error: Error) => {
                assert.match(error.message, /unable to obtain a token/);
                assert.ok(!error.message.includes(wrong), error.message);
                return true;
            });
            assert.ok(!other.output.join("\n").includes(wrong));
        } finally {
            await other.stop();
        }
    });

    it("takes the client secret from the variables map when the args do not carry it", async () => {
        const other = await startStandIn(env);
        try {
            await other.call("configure", configureRequest({}, { "azuread:config:clientSecret": seed.operator.clientSecret }));
        } finally {
            await other.stop();
        }
    });

    describe("talks to the tenant emulator only: a non-loopback endpoint is refused at configure, before any request", () => {
        const refusal = async (standInEnv: NodeJS.ProcessEnv, args: Props = {}) => {
            const other = await startStandIn(standInEnv);
            try {
                const before = emulator.requests().length;
                const error = await other.call("configure", configureRequest({ clientSecret: secret(seed.operator.clientSecret), ...args })).then(
                    () => assert.fail("configure succeeded"),
                    (e: Error) => e,
                );
                assert.equal(emulator.requests().length, before, "nothing reached the emulator either");
                assert.ok(!error.message.includes(seed.operator.clientSecret));
                return error.message;
            } finally {
                await other.stop();
            }
        };

        it("refuses the public cloud when no metadata host is set", async () => {
            const { ARM_METADATA_HOSTNAME: _host, ...withoutHost } = env;
            const message = await refusal(withoutHost);
            assert.match(
                message,
                /azuread:metadataHost \(or ARM_METADATA_HOSTNAME\) is not set, so the built-in cloud 'global' would be used \(https:\/\/login\.microsoftonline\.com, https:\/\/graph\.microsoft\.com\), which is not a loopback host/,
            );
            assert.match(message, /TEST-ONLY stand-in .* talks only to the tenant emulator on this machine/);
            assert.match(message, /install the real plugin/);
        });

        it("refuses a metadata host that is not loopback, from the configuration or ARM_METADATA_HOSTNAME", async () => {
            assert.match(
                await refusal(env, { metadataHost: "management.azure.com" }),
                /azuread:metadataHost \(or ARM_METADATA_HOSTNAME\) is management\.azure\.com, which is not a loopback host/,
            );
            assert.match(
                await refusal({ ...env, ARM_METADATA_HOSTNAME: "localhost.example.com:8443" }),
                /is localhost\.example\.com:8443, which is not a loopback host/,
            );
        });

        it("refuses a loopback metadata host that announces Microsoft's Graph", async () => {
            const caDir = process.env.D365BA_EMULATOR_CA_DIR!;
            const [ca, keys] = await Promise.all([ensureCertificateAuthority(caDir), ensureKeyPair(caDir, "server-key.pem")]);
            const metadataRequests: string[] = [];
            const certificate = issueServerCertificate(ca, keys, "metadata stand-in");
            const server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, (request, response) => {
                metadataRequests.push(request.url ?? "");
                response.setHeader("Content-Type", "application/json");
                response.end(
                    JSON.stringify({
                        name: "AzureCloud",
                        resourceManager: "https://management.azure.com/",
                        microsoftGraphResourceId: "https://graph.microsoft.com/",
                        authentication: { loginEndpoint: emulator.endpoints.login },
                    }),
                );
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
                const message = await refusal(env, { metadataHost: host });
                assert.match(
                    message,
                    new RegExp(
                        `The metadata of ${host} names Microsoft Graph \\(microsoftGraphResourceId\\), which is https://graph\\.microsoft\\.com, which is not a loopback host`,
                    ),
                );
                assert.deepEqual(metadataRequests, ["/metadata/endpoints?api-version=2022-09-01"], "only the metadata was read");
            } finally {
                await new Promise((resolve) => server.close(resolve));
            }
        });
    });

    it("configures from a secret arg, ARM_* variables and the metadata host, accepting secrets", async () => {
        const response = await standIn.call("configure", configureRequest({ clientSecret: secret(seed.operator.clientSecret), version: "6.9.1" }));
        assert.equal(response.getAcceptsecrets(), true);
        assert.equal(response.getSupportspreview(), true);
        const tokenRequests = emulator.requests().filter((entry) => entry.service === "login" && entry.method === "POST");
        assert.ok(tokenRequests.length > 0, "signed in at configure time");
        assert.ok(emulator.requests().some((entry) => entry.path.startsWith("/metadata/endpoints")));
    });

    it("getUser finds the account by user principal name and by object id; an unknown one is an error", async () => {
        const byName = await invoke({ userPrincipalName: account.userPrincipalName });
        assert.equal(byName.result?.objectId, account.id);
        assert.equal(byName.result?.userPrincipalName, account.userPrincipalName);
        assert.equal(byName.result?.accountEnabled, true);
        assert.equal(byName.result?.managerId, "");
        const byId = await invoke({ objectId: account.id });
        assert.equal(byId.result?.displayName, byName.result?.displayName);
        await assert.rejects(invoke({ userPrincipalName: "nobody@contoso.onmicrosoft.com" }), /User with UPN "nobody@contoso.onmicrosoft.com" was not found/);
        await assert.rejects(invoke({ objectId: "00000000-0000-4000-8000-000000000000" }), /User not found with object ID/);
        assert.deepEqual((await invoke({})).failures.sort(), ["employeeId", "mail", "mailNickname", "objectId", "userPrincipalName"]);
        assert.deepEqual((await invoke({ objectId: account.id, userPrincipalName: account.userPrincipalName })).failures.sort(), [
            "objectId",
            "userPrincipalName",
        ]);
    });

    it("checks directory role assignment inputs as the real provider validates them", async () => {
        assert.deepEqual(await check(DRA, { roleId: GLOBAL_ADMINISTRATOR, principalObjectId: account.id, directoryScopeId: "/" }), []);
        const failures = await check(DRA, { roleId: "Global Administrator", directoryScopeId: "/", appScopeId: "x" });
        assert.ok(
            failures.some((f) => f.startsWith('roleId: expected "roleId" to be a valid UUID')),
            failures.join("\n"),
        );
        assert.ok(
            failures.some((f) => f.startsWith("principalObjectId: Missing required argument")),
            failures.join("\n"),
        );
        assert.ok(
            failures.some((f) => f.startsWith("appScopeId: Conflicting configuration arguments")),
            failures.join("\n"),
        );
        assert.deepEqual(await check(DRA, { roleId: rpc.unknownValue, principalObjectId: account.id }), [], "unknowns pass");
    });

    it("every changed input of a directory role assignment forces replacement; a scope left to the provider does not", async () => {
        const olds = {
            id: "/roleManagement/directory/roleAssignments/x",
            roleId: GLOBAL_ADMINISTRATOR,
            principalObjectId: account.id,
            directoryScopeId: "/",
            appScopeId: "",
        };
        const diff = async (news: Props) => {
            const response = await standIn.call(
                "diff",
                new provproto.DiffRequest().setUrn(urn(DRA, "r")).setType(DRA).setId(olds.id).setOlds(struct(olds)).setNews(struct(news)),
            );
            return { changes: response.getChanges(), replaces: response.getReplacesList() as string[] };
        };
        assert.deepEqual(await diff({ roleId: GLOBAL_ADMINISTRATOR, principalObjectId: account.id, directoryScopeId: "/" }), {
            changes: provproto.DiffResponse.DiffChanges.DIFF_NONE,
            replaces: [],
        });
        assert.deepEqual(await diff({ roleId: GLOBAL_ADMINISTRATOR, principalObjectId: account.id }), {
            changes: provproto.DiffResponse.DiffChanges.DIFF_NONE,
            replaces: [],
        });
        assert.deepEqual(await diff({ roleId: POWER_PLATFORM_ADMINISTRATOR, principalObjectId: account.id, directoryScopeId: "/" }), {
            changes: provproto.DiffResponse.DiffChanges.DIFF_SOME,
            replaces: ["roleId"],
        });
        assert.deepEqual((await diff({ roleId: GLOBAL_ADMINISTRATOR, principalObjectId: rpc.unknownValue, directoryScopeId: "/" })).replaces, [
            "principalObjectId",
        ]);
    });

    it("creates a directory role assignment through throttling, refuses a duplicate, reads it, loses it on refresh and fails to delete it twice", async () => {
        const inputs = { roleId: POWER_PLATFORM_ADMINISTRATOR, principalObjectId: account.id, directoryScopeId: "/" };
        const preview = await create(DRA, inputs, true);
        assert.equal(preview.id, "");
        assert.deepEqual(rolesOf(account.id), [], "a preview changes nothing");

        emulator.addFault({ route: "/roleManagement/directory/roleAssignments", method: "POST", status: 429, count: 2, retryAfterSeconds: 1 });
        const created = await create(DRA, inputs);
        assert.match(created.id, /^\/roleManagement\/directory\/roleAssignments\/[^/]+$/);
        assert.deepEqual(created.outputs, { id: created.id, appScopeId: "", ...inputs });
        assert.deepEqual(rolesOf(account.id), [POWER_PLATFORM_ADMINISTRATOR]);
        assert.deepEqual(emulator.state().faults, [], "both throttled answers were retried");
        const reads = emulator.requests().filter((entry) => entry.method === "GET" && entry.path.endsWith(created.id.split("/").pop()!));
        assert.ok(reads.length >= 3, `waited for consecutive reads (${reads.length})`);

        await assert.rejects(create(DRA, inputs), /A conflicting object with one or more of the specified property values is present in the directory/);

        assert.deepEqual(await read(DRA, created.id, created.outputs), { id: created.id, outputs: created.outputs });
        emulator.mutate((tenant) => {
            tenant.directoryRoleAssignments = tenant.directoryRoleAssignments.filter((a) => a.principalId !== account.id);
        });
        assert.equal((await read(DRA, created.id, created.outputs)).id, "", "refresh drops an assignment removed behind its back");
        await assert.rejects(remove(DRA, created.id, created.outputs), /Deleting .*unexpected status 404/);

        const again = await create(DRA, inputs);
        await remove(DRA, again.id, again.outputs);
        assert.deepEqual(rolesOf(account.id), []);
    });

    it("adds a group member, refuses one already there, reads it, removes it and sees it gone", async () => {
        const inputs = { groupObjectId: group.id, memberObjectId: account.id };
        assert.ok((await check(GROUP_MEMBER, { groupObjectId: "sales", memberObjectId: account.id }))[0]?.startsWith("groupObjectId: expected"));
        const created = await create(GROUP_MEMBER, inputs);
        assert.equal(created.id, `${group.id}/member/${account.id}`);
        assert.ok(
            emulator
                .state()
                .groups!.find((g) => g.id === group.id)!
                .members!.includes(account.id),
        );
        await assert.rejects(create(GROUP_MEMBER, inputs), /already exists - to be managed via Terraform this resource needs to be imported/);
        assert.equal((await read(GROUP_MEMBER, created.id, created.outputs)).id, created.id);

        await remove(GROUP_MEMBER, created.id, created.outputs);
        assert.ok(
            !emulator
                .state()
                .groups!.find((g) => g.id === group.id)!
                .members!.includes(account.id),
        );
        assert.equal((await read(GROUP_MEMBER, created.id, created.outputs)).id, "");
    });

    it("never writes the client secret to its error output", () => {
        assert.ok(!standIn.output.join("\n").includes(seed.operator.clientSecret));
    });
});

describe("npm run prepare-shell and the stand-in", function () {
    this.timeout(10 * 60_000);

    it("installs the stand-in only in a shell whose endpoints are all loopback (the emulator's env file)", async () => {
        const emulator = await startEmulator(JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8")), {
            warn: () => undefined,
        });
        try {
            assert.equal(notPointedAtEmulator(emulator.env), undefined);
            assert.equal(
                notPointedAtEmulator({ ...emulator.env, ARM_METADATA_HOSTNAME: undefined }),
                "ARM_METADATA_HOSTNAME is not set (the azuread provider would use the public cloud's endpoints)",
            );
            assert.equal(
                notPointedAtEmulator({ ...emulator.env, D365BA_GRAPH_URL: "https://user:pass@graph.microsoft.com/v1.0?sig=abc" }),
                "D365BA_GRAPH_URL is https://graph.microsoft.com/v1.0, not a loopback host (localhost, 127.0.0.0/8, ::1)",
            );
            assert.match(
                notPointedAtEmulator({ ...emulator.env, ARM_METADATA_HOSTNAME: "management.azure.com" }) ?? "",
                /^ARM_METADATA_HOSTNAME is management\.azure\.com, not a loopback host/,
            );
        } finally {
            await emulator.stop();
        }
    });

    it("says loudly that the stand-in is installed under the real plugin's name and version", () => {
        const banner = standInBanner("6.9.1");
        assert.match(
            banner.join("\n"),
            /WARNING: the TEST-ONLY azuread stand-in is installed as pulumi-resource-azuread v6\.9\.1,\s*\*\n\* under the real plugin's name and version/,
        );
        assert.match(banner.join("\n"), /Never use this shell for a real tenant/);
        assert.equal(new Set(banner.map((line) => line.length)).size, 1, "a box");
    });

    it("refuses to install the stand-in in a shell not pointed at the emulator, and removes one a previous run installed", async () => {
        const work = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-prepare-shell-"));
        const emulator = await startEmulator(JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8")), {
            warn: () => undefined,
        });
        // The toolchain's CLI (its PULUMI_HOME) is found as prepare-shell finds it; a closed
        // proxy makes the real plugin's download fail, as it does offline.
        const { PULUMI_HOME: toolchain, ...inherited } = process.env;
        const base = {
            ...inherited,
            ...(toolchain ? { PULUMI_HOME: toolchain } : {}),
            HTTPS_PROXY: "http://127.0.0.1:9",
            HTTP_PROXY: "http://127.0.0.1:9",
            NO_COLOR: "1",
        };
        for (const name of ["ARM_METADATA_HOSTNAME", "AZURE_AUTHORITY_HOST", "D365BA_GRAPH_URL", "D365BA_BAP_URL"]) delete (base as NodeJS.ProcessEnv)[name];
        // "--" first, as the npm script passes it: Node would read --env-file FILE as its own option.
        const prepare = (env: NodeJS.ProcessEnv) =>
            new Promise<{ code: number; stderr: string }>((resolve) =>
                execFile(
                    process.execPath,
                    [
                        "-r",
                        require.resolve("ts-node/register/transpile-only"),
                        path.join(REPOSITORY, "scripts", "prepare-shell.ts"),
                        "--",
                        "--pulumi-home",
                        path.join(work, "home"),
                        "--env-file",
                        path.join(work, "pulumi.env"),
                    ],
                    { cwd: REPOSITORY, env, maxBuffer: 16 * 1024 * 1024 },
                    (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
                ),
            );
        const launcher = path.join(work, "home", "plugins", "resource-azuread-v6.9.1", "pulumi-resource-azuread");
        try {
            const inEmulatorShell = await prepare({ ...base, ...emulator.env });
            assert.equal(inEmulatorShell.code, 0, inEmulatorShell.stderr);
            assert.match(inEmulatorShell.stderr, /prepare-shell: \* WARNING: the TEST-ONLY azuread stand-in is installed as pulumi-resource-azuread v6\.9\.1/);
            assert.match(await fs.readFile(launcher, "utf8"), /TEST-ONLY stand-in/);

            const elsewhere = await prepare({ ...base, ARM_TENANT_ID: emulator.tenantId });
            assert.equal(elsewhere.code, 1, elsewhere.stderr);
            assert.match(
                elsewhere.stderr,
                /prepare-shell: failed: The TEST-ONLY stand-in a previous run installed in .* has been removed\. The real azuread plugin v6\.9\.1 could not be installed, and the TEST-ONLY stand-in is not installed in its place: this shell is not pointed at the tenant emulator \(ARM_METADATA_HOSTNAME is not set/,
            );
            assert.doesNotMatch(elsewhere.stderr, /WARNING: the TEST-ONLY/);
            await assert.rejects(fs.access(launcher), "the stand-in is gone from that Pulumi home");
        } finally {
            await emulator.stop();
            await fs.rm(work, { recursive: true, force: true });
        }
    });
});
