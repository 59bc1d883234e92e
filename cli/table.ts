// The commands' tables: columns padded to their widest cell, in one of three styles.
//
//   plain     the header, a rule of dashes, the rows (the fleet's report)
//   markdown  a Markdown table, ready to paste into the docs (the benchmarks' figures)
//   bare      the rows alone, no header (the demo's view of the tenant)

export type Alignment = "left" | "right";

export interface TableOptions {
    /** plain by default. */
    readonly style?: "plain" | "markdown" | "bare";
    /** Per column; left unless said. Numbers read best right-aligned. */
    readonly align?: readonly Alignment[];
    /** Before every line. */
    readonly indent?: string;
    /** Between columns (plain and bare); two spaces by default. */
    readonly gap?: string;
    /** Per column: at least this wide, so blocks printed one after the other line up. */
    readonly minWidths?: readonly number[];
}

/** `rows` as a table; in the plain and markdown styles the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string {
    if (rows.length === 0) return "";
    const style = options.style ?? "plain";
    const indent = options.indent ?? "";
    const columns = Math.max(...rows.map((row) => row.length));
    const widths = Array.from({ length: columns }, (_, column) => Math.max(options.minWidths?.[column] ?? 0, ...rows.map((row) => (row[column] ?? "").length)));
    const align = (column: number): Alignment => options.align?.[column] ?? "left";
    const pad = (cell: string, column: number) => (align(column) === "right" ? cell.padStart(widths[column]) : cell.padEnd(widths[column]));
    const cells = (row: readonly string[]) => widths.map((_, column) => pad(row[column] ?? "", column));

    if (style === "markdown") {
        const line = (row: readonly string[]) => `${indent}| ${cells(row).join(" | ")} |`;
        const rule = `${indent}|${widths.map((width, column) => (align(column) === "right" ? `${"-".repeat(width + 1)}:` : `:${"-".repeat(width + 1)}`)).join("|")}|`;
        return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
    }
    const gap = options.gap ?? "  ";
    const line = (row: readonly string[]) => `${indent}${cells(row).join(gap)}`.trimEnd();
    if (style === "bare") return rows.map(line).join("\n");
    const rule = `${indent}${widths.map((width) => "-".repeat(width)).join(gap)}`;
    return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}
