// The doctor's text report: one line per check, what it breaks and the fix under each one
// that is not ok.

import { strict as assert } from "assert";

import { renderText } from "../../doctor/report";

describe("doctor report", () => {
    it("shows what breaks and the fix under failures and warnings only", () => {
        const text = renderText([
            {
                stack: "contoso",
                summary: "stage bootstrap, account backup@contoso.onmicrosoft.com",
                checks: [
                    { id: "a", title: "Sign-in", status: "ok", detail: "fine", fix: "never shown" },
                    {
                        id: "b",
                        title: "Graph permission User.Read.All",
                        status: "fail",
                        detail: "not granted",
                        breaks: "resolving the account",
                        fix: "grant it",
                    },
                ],
            },
        ]);
        assert.equal(
            text,
            [
                "Stack contoso — stage bootstrap, account backup@contoso.onmicrosoft.com",
                "  ok    Sign-in: fine",
                "  FAIL  Graph permission User.Read.All: not granted",
                "        breaks: resolving the account",
                "        fix:    grant it",
                "  1 failed, 0 warnings, 1 ok",
                "",
            ].join("\n"),
        );
    });
});
