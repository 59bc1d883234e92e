// How the docs tests read Markdown (markdown.ts): GitHub's heading anchors, links outside
// code and why one does not resolve, runnable blocks and their markers.

import { strict as assert } from "assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

import { brokenLink, headings, isExternal, links, runnableBlocks, slug } from "./markdown";

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
            writeFileSync(
                path.join(root, "README.md"),
                "[a](docs/guide.md#a-part) `[b](nowhere.md)`\n\n```\n[c](nowhere.md)\n```\n[d]: docs/guide.md#no-such-part\n",
            );
            const found = links(readFileSync(path.join(root, "README.md"), "utf8"));
            assert.deepEqual(
                found.map((link) => link.target),
                ["docs/guide.md#a-part", "docs/guide.md#no-such-part"],
            );
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
        assert.throws(
            () => runnableBlocks("g.md", "<!-- runnable -->\n\n```sh\nls\n```\n"),
            /^Error: g\.md:1: a runnable marker must be the line right before a fenced block\.$/,
        );
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable fast -->\n```sh\nls\n```\n"), /g\.md:1: unknown runnable option "fast"/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable -->\n```\nls\n```\n"), /g\.md:1: a runnable block is a ```sh block/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable exit=1 -->\n```sh\nls\npwd\n```\n"), /holds exactly one command \(found 2\)/);
        assert.throws(() => runnableBlocks("g.md", "<!-- runnable -->\n```sh\n# nothing\n```\n"), /holds no command/);
    });
});
