// The benchmarks' tables: Markdown, numbers right-aligned, the one text column left-aligned,
// ready to paste into the docs (docs/large-tenants.md, docs/fleet.md).

export function markdownTable(header: readonly string[], lines: readonly string[][], textColumn: number): string {
    const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
    const format = (cells: readonly string[]) => `| ${cells.map((cell, i) => (i === textColumn ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
    const rule = `|${widths.map((w, i) => (i === textColumn ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
    return [format(header), rule, ...lines.map(format)].join("\n");
}
