// The docs hold together: every relative link of the project's Markdown (README.md,
// docs/, the folders' READMEs) names a file that exists and, into a Markdown file, a
// heading it has; and every block marked runnable is one the docs test can run
// (test/e2e/docs.test.ts runs them against the tenant emulator).

import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";

import { brokenLink, commandLines, isExternal, links, markdownFiles, runnableBlocks } from "./support/markdown";

const ROOT = path.resolve(__dirname, "..");

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
        assert.deepEqual(
            guides.filter((guide) => !linked.has(guide)),
            [],
            "guides the README does not link",
        );
    });

    it("mark runnable blocks the docs test can run, and the README's setup starts the emulator and selects the dev stack", () => {
        const all = files.flatMap((file) => runnableBlocks(file, readFileSync(path.join(ROOT, file), "utf8")));
        assert.ok(all.length >= 10, `${all.length} runnable blocks`);
        const setup = all.filter((block) => block.setup);
        assert.ok(
            setup.every((block) => block.file === "README.md"),
            "only the README's blocks prepare the shell every guide assumes",
        );
        assert.deepEqual(
            setup.filter((block) => block.background).map((block) => commandLines(block.code)),
            [["npm run emulator -- --seed emulator/seeds/demo.json --env-file emulator.env"]],
        );
        assert.ok(setup.some((block) => commandLines(block.code).includes("npx pulumi stack select --create dev")));
        assert.ok(
            all.some((block) => block.file === "README.md" && !block.setup && /npx pulumi preview/.test(block.code)),
            "the README runs a preview",
        );
    });
});
