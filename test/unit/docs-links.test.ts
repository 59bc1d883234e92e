// The docs hold together: every relative link of the project's Markdown (README.md,
// docs/, the folders' READMEs) names a file that exists and, into a Markdown file, a
// heading it has; and every block marked runnable is one the docs test can run
// (test/e2e/docs.test.ts runs them against the tenant emulator).

import { strict as assert } from "assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

import { brokenLink, commandLines, headings, isExternal, links, markdownFiles, runnableBlocks, slug } from "../support/markdown";

const ROOT = path.resolve(__dirname, "..", "..");

describe("the docs", () => {
    const files = markdownFiles(ROOT);

    it("are the README, the guides in docs/ and the folders' READMEs", () => {
        assert.ok(files.includes("README.md"));
        assert.ok(files.filter((file) => file.startsWith(`docs${path.sep}`)).length >= 10, files.join(", "));
        assert.ok(files.includes(path.join("providers", "README.md")));
        assert.ok(files.includes(path.join("emulator", "README.md")));
    });

    it("link only to files that exist and, in Markdown, to headings they have", () => {
        const broken: string[] = [];
        for (const file of files) {
            for (const link of links(readFileSync(path.join(ROOT, file), "utf8"))) {
                if (isExternal(link.target)) continue;
                const why = brokenLink(ROOT, file, link.target);
                if (why) broken.push(`${file}:${link.line}: (${link.target}): ${why}`);
            }
        }
        assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
    });

    it("keep the README a landing page: under 250 lines, linking every guide in docs/", () => {
        const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.ok(readme.split("\n").length < 250, `README.md has ${readme.split("\n").length} lines`);
        const linked = new Set(links(readme).map((link) => link.target.split("#")[0]));
        const guides = files.filter((file) => path.dirname(file) === "docs").map((file) => file.split(path.sep).join("/"));
        assert.deepEqual(guides.filter((guide) => !linked.has(guide)), [], "guides the README does not link");
    });

    it("mark runnable blocks the docs test can run, and the README's setup starts the emulator and selects the dev stack", () => {
        const all = files.flatMap((file) => runnableBlocks(file, readFileSync(path.join(ROOT, file), "utf8")));
        assert.ok(all.length >= 10, `${all.length} runnable blocks`);
        const setup = all.filter((block) => block.setup);
        assert.ok(setup.every((block) => block.file === "README.md"), "only the README's blocks prepare the shell every guide assumes");
        assert.deepEqual(
            setup.filter((block) => block.background).map((block) => commandLines(block.code)),
            [["npm run emulator -- --seed emulator/seeds/demo.json --env-file emulator.env"]],
        );
        assert.ok(setup.some((block) => commandLines(block.code).includes("npx pulumi stack select --create dev")));
        assert.ok(all.some((block) => block.file === "README.md" && !block.setup && /npx pulumi preview/.test(block.code)), "the README runs a preview");
    });
});

describe("reading Markdown for the docs tests", () => {
    it("gives headings GitHub's anchors: code spans, punctuation and repeats", () => {
        assert.equal(slug("Before the first run: what the operator's identity needs"), "before-the-first-run-what-the-operators-identity-needs");
        assert.equal(slug("After an interruption: `fleet recover`"), "after-an-interruption-fleet-recover");
        assert.equal(slug("Run it by hand: `preview` and `up`"), "run-it-by-hand-preview-and-up");
        assert.equal(slug("[Policy pack](policy.md) — **rules**"), "policy-pack--rules");
        const text = "# Title\n\n```sh\n# not a heading\n```\n\n## Notes\n\n## Notes\n";
        assert.deepEqual(
            headings(text).map((heading) => heading.anchor),
            ["title", "notes", "notes-1"],
        );
    });

    it("finds links outside code, and says why a link does not resolve", () => {
        const root = mkdtempSync(path.join(tmpdir(), "d365ba-docs-links-"));
        try {
            mkdirSync(path.join(root, "docs"));
            writeFileSync(path.join(root, "docs", "guide.md"), "# Guide\n\n## A part\n");
            writeFileSync(path.join(root, "README.md"), "[a](docs/guide.md#a-part) `[b](nowhere.md)`\n\n```\n[c](nowhere.md)\n```\n[d]: docs/guide.md#no-such-part\n");
            const found = links(readFileSync(path.join(root, "README.md"), "utf8"));
            assert.deepEqual(found.map((link) => link.target), ["docs/guide.md#a-part", "docs/guide.md#no-such-part"]);
            assert.equal(brokenLink(root, "README.md", "docs/guide.md#a-part"), undefined);
            assert.equal(brokenLink(root, "README.md", "docs/guide.md#no-such-part"), "docs/guide.md has no heading with the anchor #no-such-part");
            assert.equal(brokenLink(root, "README.md", "docs/other.md"), "docs/other.md does not exist");
            assert.equal(brokenLink(root, path.join("docs", "guide.md"), "../README.md"), undefined);
            assert.equal(brokenLink(root, path.join("docs", "guide.md"), "#a-part"), undefined);
            assert.equal(brokenLink(root, "README.md", "../outside.md"), "../outside.md is outside the project");
            assert.ok(isExternal("https://example.com/x#y") && !isExternal("docs/guide.md"));
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("reads runnable blocks with their options, in lists too, and refuses markers it cannot keep", () => {
        const text = [
            "<!-- runnable -->",
            "```sh",
            "npx pulumi preview",
            "```",
            "1. Step",
            "   <!-- runnable confirm -->",
            "   ```sh",
            "   npx pulumi up   # asks first",
            "   ```",
            "<!-- runnable exit=1 -->",
            "```sh",
            "# a comment",
            "npm run doctor",
            "```",
            "```sh",
            "npm test",
            "```",
        ].join("\n");
        const blocks = runnableBlocks("guide.md", text);
        assert.deepEqual(
            blocks.map(({ line, code, confirm, exit }) => ({ line, code, confirm, exit })),
            [
                { line: 2, code: "npx pulumi preview", confirm: false, exit: 0 },
                { line: 7, code: "npx pulumi up   # asks first", confirm: true, exit: 0 },
                { line: 11, code: "# a comment\nnpm run doctor", confirm: false, exit: 1 },
            ],
        );
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable -->\n\n```sh\nls\n```\n"), /^Error: g\.md:1: a runnable marker must be the line right before a fenced block\.$/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable fast -->\n```sh\nls\n```\n"), /g\.md:1: unknown runnable option "fast"/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable -->\n```\nls\n```\n"), /g\.md:1: a runnable block is a ```sh block/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable exit=1 -->\n```sh\nls\npwd\n```\n"), /holds exactly one command \(found 2\)/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable -->\n```sh\n# nothing\n```\n"), /holds no command/);
    });
});
