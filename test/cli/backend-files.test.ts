// A local file backend whose metadata sidecars an interrupted CLI left unreadable
// (cli/backend-files.ts): which files are found, what a command that only reads says,
// and what recover removes — never a state file, nor another project's files.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { backendUrlOf, damagedBackendAdvice, fileBackendRoot, stacksOf, unreadableHistoryFiles, unreadableMetadataFiles } from "../../cli/backend-files";
import { checkBackendFiles } from "../../cli/project";

const PROJECT = "d365-backup-access";
/** What fileblob writes in a sidecar. */
const GOOD = '{"user.cache_control":"","user.content_type":"application/octet-stream","md5":"c2FtcGxl"}';

describe("cli: a file backend's metadata files an interruption left unreadable", () => {
    let root: string;

    async function write(relative: string, text: string): Promise<string> {
        const file = path.join(root, ".pulumi", ...relative.split("/"));
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, text);
        return file;
    }

    async function exists(file: string): Promise<boolean> {
        return fs.access(file).then(
            () => true,
            () => false,
        );
    }

    beforeEach(async () => {
        root = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-backend-"));
        await write("meta.yaml", "version: 1\n");
        await write("meta.yaml.attrs", GOOD);
        for (const stack of ["contoso", "fabrikam"]) {
            await write(`stacks/${PROJECT}/${stack}.json`, "{}");
            await write(`stacks/${PROJECT}/${stack}.json.attrs`, GOOD);
            await write(`stacks/${PROJECT}/${stack}.json.bak`, "{}");
            await write(`stacks/${PROJECT}/${stack}.json.bak.attrs`, GOOD);
        }
    });

    afterEach(async () => {
        await fs.rm(root, { recursive: true, force: true });
    });

    it("finds the backend as the CLI does: PULUMI_BACKEND_URL, then Pulumi.yaml's backend.url, then the account logged in last", async () => {
        const home = root;
        await fs.mkdir(path.join(home, ".pulumi"), { recursive: true });
        await fs.writeFile(path.join(home, ".pulumi", "credentials.json"), JSON.stringify({ current: "file://~/state", accounts: {} }));
        assert.equal(await backendUrlOf("file:///project", { PULUMI_BACKEND_URL: "file:///env" }, home), "file:///env");
        assert.equal(await backendUrlOf("file:///project", {}, home), "file:///project");
        assert.equal(await backendUrlOf(undefined, {}, home), "file://~/state");
        assert.equal(await backendUrlOf(undefined, { PULUMI_HOME: path.join(home, "elsewhere") }, home), undefined, "PULUMI_HOME holds no credentials");
        await fs.writeFile(path.join(home, ".pulumi", "credentials.json"), "{");
        assert.equal(await backendUrlOf(undefined, {}, home), undefined, "unreadable credentials: no backend known");
    });

    it("knows a local file backend's folder, and no other backend's", () => {
        assert.equal(fileBackendRoot("file://~", "/home/ops"), "/home/ops");
        assert.equal(fileBackendRoot("file://~/state?no_tmp_dir=true", "/home/ops"), "/home/ops/state");
        assert.equal(fileBackendRoot("file:///srv/state"), "/srv/state");
        assert.equal(fileBackendRoot("azblob://tenants"), null);
        assert.equal(fileBackendRoot("https://api.pulumi.com"), null);
        assert.equal(fileBackendRoot(undefined), null);
    });

    it("finds an empty, cut-short or non-object sidecar of meta.yaml, a checkpoint, a backup, a legacy stack or a lock; nothing else", async () => {
        const expected = [
            await write("meta.yaml.attrs", ""),
            await write(`stacks/${PROJECT}/contoso.json.attrs`, ""),
            await write(`stacks/${PROJECT}/fabrikam.json.bak.attrs`, '{"user.cache_control":"'),
            await write("stacks/legacy.json.attrs", "[]"),
            await write(`locks/organization/${PROJECT}/fabrikam/0dc2.json.attrs`, ""),
        ];
        // Not read for this project's stacks: another project's, the history, a good lock's.
        await write("stacks/other-project/contoso.json.attrs", "");
        await write(`history/${PROJECT}/contoso/contoso-1764742000.history.json.attrs`, "");
        await write(`locks/organization/${PROJECT}/contoso/9a1b.json.attrs`, GOOD);
        assert.deepEqual((await unreadableMetadataFiles(root, PROJECT)).sort(), expected.sort());
    });

    it("finds the unreadable sidecars of one stack's update history, for recover", async () => {
        const history = `history/${PROJECT}/contoso/contoso-1796278757228487869`;
        await write(`${history}.checkpoint.json`, "{}");
        await write(`${history}.checkpoint.json.attrs`, GOOD);
        await write(`${history}.history.json`, "{}");
        const damaged = await write(`${history}.history.json.attrs`, "");
        await write(`history/${PROJECT}/fabrikam/fabrikam-1796278757228487869.history.json.attrs`, "");
        assert.deepEqual(await unreadableHistoryFiles(root, PROJECT, "contoso"), [damaged]);
        assert.deepEqual(await unreadableHistoryFiles(root, PROJECT, "northwind"), [], "a stack without history");
    });

    it("finds nothing in a sound backend, or where there is no backend folder", async () => {
        assert.deepEqual(await unreadableMetadataFiles(root, PROJECT), []);
        assert.deepEqual(await unreadableMetadataFiles(path.join(root, "missing"), PROJECT), []);
    });

    it("names the files and the stacks they belong to in the command it says to run", async () => {
        const files = [
            await write(`stacks/${PROJECT}/contoso.json.attrs`, ""),
            await write(`stacks/${PROJECT}/contoso.json.bak.attrs`, ""),
            await write(`locks/organization/${PROJECT}/fabrikam/0dc2.json.attrs`, ""),
            await write(`stacks/${PROJECT}/northwind.json.gz.bak.attrs`, ""),
            await write("meta.yaml.attrs", ""),
        ];
        assert.deepEqual(stacksOf(files, root, PROJECT), ["contoso", "fabrikam", "northwind"]);
        const advice = damagedBackendAdvice(files, root, PROJECT);
        assert.match(advice, /holds 5 metadata files an interrupted command left empty or cut short/);
        assert.ok(advice.includes(path.join(".pulumi", "stacks", PROJECT, "contoso.json.attrs")), advice);
        assert.match(advice, /fails with "EOF", although the state itself is intact\. Nothing was run\./);
        assert.match(advice, /Run `npm run fleet -- recover --stacks contoso,fabrikam,northwind`: it removes them first\./);
        assert.match(damagedBackendAdvice([files[4]], root, PROJECT), /recover --stacks <a stack of this project>`: it removes it first/);
    });

    describe("opening the project", () => {
        const workspace = { projectSettings: async () => ({ name: PROJECT, runtime: "nodejs" as const }) };
        const env = () => ({ PULUMI_BACKEND_URL: `file://${root}` });

        it("refuses, naming the files and leaving them, when the command is not recover", async () => {
            const damaged = await write(`stacks/${PROJECT}/contoso.json.attrs`, "");
            const said: string[] = [];
            await assert.rejects(
                checkBackendFiles(workspace, { damagedBackend: "refuse" }, (line) => said.push(line), env()),
                /contoso\.json\.attrs\).*recover --stacks contoso/,
            );
            assert.ok(await exists(damaged), "a read-only command removes nothing");
            assert.deepEqual(said, []);
        });

        it("removes only the unreadable sidecars for recover, and says so; the state files stay", async () => {
            const damaged = [await write(`stacks/${PROJECT}/contoso.json.attrs`, ""), await write("meta.yaml.attrs", "")];
            const said: string[] = [];
            await checkBackendFiles(workspace, { damagedBackend: "repair" }, (line) => said.push(line), env());
            for (const file of damaged) assert.equal(await exists(file), false, file);
            for (const kept of [
                "meta.yaml",
                `stacks/${PROJECT}/contoso.json`,
                `stacks/${PROJECT}/contoso.json.bak.attrs`,
                `stacks/${PROJECT}/fabrikam.json.attrs`,
            ])
                assert.ok(await exists(path.join(root, ".pulumi", kept)), kept);
            assert.equal(said.length, 1);
            assert.match(
                said[0],
                /^recover: removed 2 metadata files an interrupted command left empty or cut short \(.*\) from the state backend .*; the state they describe is intact$/,
            );
        });

        it("does nothing on a backend other than a local folder", async () => {
            await write(`stacks/${PROJECT}/contoso.json.attrs`, "");
            await checkBackendFiles(workspace, { damagedBackend: "refuse" }, () => assert.fail("nothing to say"), { PULUMI_BACKEND_URL: "azblob://tenants" });
        });
    });
});
