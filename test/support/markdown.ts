// What the docs tests read in the project's Markdown: headings and the anchors GitHub
// gives them, relative links, and the fenced command blocks marked as runnable.
//
// A runnable block is a fenced `sh` block with a marker line right before its fence:
//
//   <!-- runnable -->                     run it in the document's shell session
//   <!-- runnable confirm -->             it runs `pulumi up` (or another command that asks
//                                         before it changes anything): the test answers yes
//   <!-- runnable exit=1 -->              one command that exits 1 as the text says
//   <!-- runnable setup -->               (README) part of the shell every guide assumes
//   <!-- runnable background setup -->    (README) one command that runs until stopped (the
//                                         tenant emulator): started, then waited for until it
//                                         prints its first line, and stopped at the end
//
// The marker is an HTML comment, so readers do not see it.

import { existsSync, readFileSync, readdirSync, statSync } from "fs";
import * as path from "path";

export interface Heading {
    readonly line: number;
    readonly text: string;
    readonly anchor: string;
}

export interface Link {
    readonly line: number;
    readonly target: string;
}

export interface RunnableBlock {
    readonly file: string;
    /** 1-based line of the opening fence. */
    readonly line: number;
    readonly code: string;
    readonly setup: boolean;
    readonly background: boolean;
    readonly confirm: boolean;
    /** The exit code the text promises; 0 unless the marker says `exit=N`. */
    readonly exit: number;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)?.*$/;
const MARKER = /^\s*<!--\s*runnable\b(.*?)-->\s*$/;

/** Each line, with whether it is inside a fenced code block (the fences themselves count as inside). */
function scan(text: string): { line: string; number: number; code: boolean }[] {
    const lines = text.split("\n");
    let open: { char: string; length: number } | undefined;
    return lines.map((line, index) => {
        const fence = FENCE.exec(line);
        if (!open && fence) {
            open = { char: fence[2][0], length: fence[2].length };
            return { line, number: index + 1, code: true };
        }
        if (open) {
            const closing = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
            if (closing && closing[1][0] === open.char && closing[1].length >= open.length) open = undefined;
            return { line, number: index + 1, code: true };
        }
        return { line, number: index + 1, code: false };
    });
}

/**
 * The anchor GitHub gives a heading: the text as rendered (code spans, links and
 * emphasis reduced to their text), lower case, without punctuation but `-` and `_`,
 * spaces as `-` (github-slugger's rule).
 */
export function slug(heading: string): string {
    const rendered = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/`([^`]*)`/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/(\*\*|__|\*)/g, "");
    return rendered
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** Headings outside code blocks, with their anchors; a repeated anchor gets -1, -2, … as on GitHub. */
export function headings(text: string): Heading[] {
    const seen = new Map<string, number>();
    const found: Heading[] = [];
    for (const { line, number, code } of scan(text)) {
        const match = !code && /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!match) continue;
        const base = slug(match[1]);
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        found.push({ line: number, text: match[1], anchor: count === 0 ? base : `${base}-${count}` });
    }
    return found;
}

/** Every anchor a link into this document may name: its headings' and explicit `<a id|name="…">`. */
export function anchors(text: string): Set<string> {
    const all = new Set(headings(text).map((heading) => heading.anchor));
    for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) all.add(match[1]);
    return all;
}

/** Links outside code blocks and code spans: inline `[text](target)` and definitions `[label]: target`. */
export function links(text: string): Link[] {
    const found: Link[] = [];
    for (const { line, number, code } of scan(text)) {
        if (code) continue;
        const prose = line.replace(/(`+)[\s\S]*?\1/g, "");
        for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ line: number, target: match[1] });
        const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(prose);
        if (definition) found.push({ line: number, target: definition[1] });
    }
    return found;
}

/** A link that leaves the project (a URL, an e-mail address): not checked here. */
export function isExternal(target: string): boolean {
    return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}

/**
 * Why a relative link of `file` (a path inside `root`) does not resolve, or undefined
 * when it does: the file or folder it names exists and, for an anchor into a Markdown
 * file, that file has a heading (or an explicit anchor) of that name.
 */
export function brokenLink(root: string, file: string, target: string): string | undefined {
    const [rawPath, anchor] = target.split("#", 2) as [string, string | undefined];
    const linkPath = decodeURIComponent(rawPath);
    const resolved = linkPath === "" ? path.join(root, file) : path.resolve(root, path.dirname(file), linkPath);
    if (path.relative(root, resolved).startsWith("..")) return `${linkPath} is outside the project`;
    if (!existsSync(resolved)) return `${path.relative(root, resolved)} does not exist`;
    if (anchor === undefined || anchor === "") return undefined;
    if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) return undefined;
    const known = anchors(readFileSync(resolved, "utf8"));
    if (known.has(anchor)) return undefined;
    return `${path.relative(root, resolved)} has no heading with the anchor #${anchor}`;
}

/** Every Markdown file of the project, relative to `root`: dependencies, git and local state left out. */
export function markdownFiles(root: string, directory = ""): string[] {
    const skipped = new Set(["node_modules", ".git", ".pulumi", ".pulumi-local", "fleet-logs", "bin"]);
    const found: string[] = [];
    for (const entry of readdirSync(path.join(root, directory), { withFileTypes: true })) {
        if (skipped.has(entry.name)) continue;
        const relative = path.join(directory, entry.name);
        if (entry.isDirectory()) found.push(...markdownFiles(root, relative));
        else if (entry.name.endsWith(".md")) found.push(relative);
    }
    return found.sort();
}

/** The options a marker's text sets; an unknown one is an error naming it. */
function markerOptions(where: string, text: string): Pick<RunnableBlock, "setup" | "background" | "confirm" | "exit"> {
    const options = { setup: false, background: false, confirm: false, exit: 0 };
    for (const word of text
        .trim()
        .replace(/^:\s*/, "")
        .split(/[\s,]+/)
        .filter(Boolean)) {
        const exit = /^exit=(\d+)$/.exec(word);
        if (exit) options.exit = Number(exit[1]);
        else if (word === "setup" || word === "background" || word === "confirm") options[word] = true;
        else throw new Error(`${where}: unknown runnable option "${word}"; expected setup, background, confirm or exit=N.`);
    }
    return options;
}

/** The command lines of a block: neither blank nor a comment, continuation lines joined. */
export function commandLines(code: string): string[] {
    return code
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
}

/**
 * The runnable blocks of a document, in order. A marker that is not right before an
 * `sh` fence, an unknown option, and a block whose promise the test could not keep
 * (an exit code or a background run of more than one command) are errors naming the
 * file and line.
 */
export function runnableBlocks(file: string, text: string): RunnableBlock[] {
    const lines = scan(text);
    const blocks: RunnableBlock[] = [];
    for (let i = 0; i < lines.length; i++) {
        const marker = !lines[i].code && MARKER.exec(lines[i].line);
        if (!marker) continue;
        const where = `${file}:${lines[i].number}`;
        const options = markerOptions(where, marker[1]);
        const fence = lines[i + 1] && FENCE.exec(lines[i + 1].line);
        if (!fence) throw new Error(`${where}: a runnable marker must be the line right before a fenced block.`);
        if (fence[3] !== "sh") throw new Error(`${where}: a runnable block is a \`\`\`sh block (found "${fence[3] ?? ""}").`);
        const indent = fence[1].length;
        const body: string[] = [];
        let j = i + 2;
        for (; j < lines.length && lines[j].code && !/^\s*(`{3,}|~{3,})\s*$/.test(lines[j].line); j++)
            body.push(lines[j].line.slice(Math.min(indent, lines[j].line.search(/\S|$/))));
        const code = body.join("\n");
        const commands = commandLines(code);
        if (commands.length === 0) throw new Error(`${where}: the runnable block holds no command.`);
        if ((options.exit !== 0 || options.background) && commands.length !== 1) {
            throw new Error(`${where}: a block marked exit=N or background holds exactly one command (found ${commands.length}).`);
        }
        blocks.push({ file, line: lines[i + 1].number, code, ...options });
        i = j;
    }
    return blocks;
}
