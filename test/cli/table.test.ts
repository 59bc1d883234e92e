// The commands' one table writer (cli/table.ts): the fleet's plain table, the
// benchmarks' Markdown and the demo's bare columns.

import { strict as assert } from "assert";

import { formatTable } from "../../cli";

const ROWS = [
    ["tenant", "seconds", "result"],
    ["contoso", "12.3", "ok"],
    ["northwind", "4.0", "FAILED"],
];

describe("cli: tables", () => {
    it("plain: the header, a rule of dashes, the rows, each column as wide as its widest cell, no trailing spaces", () => {
        assert.equal(
            formatTable(ROWS),
            ["tenant     seconds  result", "---------  -------  ------", "contoso    12.3     ok", "northwind  4.0      FAILED"].join("\n"),
        );
    });

    it("markdown: numbers right-aligned where asked, the rule saying so", () => {
        assert.equal(
            formatTable(ROWS, { style: "markdown", align: ["left", "right", "left"] }),
            [
                "| tenant    | seconds | result |",
                "|:----------|--------:|:-------|",
                "| contoso   |    12.3 | ok     |",
                "| northwind |     4.0 | FAILED |",
            ].join("\n"),
        );
    });

    it("bare: the rows alone, indented, with the gap and minimum widths given, so blocks line up", () => {
        const layout = { style: "bare", indent: "    ", gap: " ", minWidths: [12] } as const;
        assert.equal(formatTable(ROWS.slice(1), layout), ["    contoso      12.3 ok", "    northwind    4.0  FAILED"].join("\n"));
        assert.equal(formatTable([["adatum", "1.0", "ok"]], layout), "    adatum       1.0 ok");
    });

    it("takes short rows as empty cells, and no rows as no text", () => {
        assert.equal(formatTable([["a", "b"], ["c"]], { style: "bare" }), "a  b\nc");
        assert.equal(formatTable([]), "");
    });
});
