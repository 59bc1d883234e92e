// The demo's final table, from the demo tenant as the emulator holds it at start and the
// program's skippedEnvironments output: the environments the program skipped are marked
// with their reason code in every stage, and their reasons follow the stages. (The whole
// demo through the CLI is test/e2e/demo.test.ts.)

import { strict as assert } from "assert";

import { validateSeed } from "../../emulator";
import demo from "../../emulator/seeds/demo.json";
import { formatViews, viewOf } from "../../demo/tenant-view";
import { SkippedEnvironment } from "../../lib/environment-plan";

const ACCOUNT = demo.users[0].id;
const TEAMS = demo.environments[3];
const PROVISIONING = demo.environments[4];

const skipped: SkippedEnvironment[] = [
    {
        id: TEAMS.id,
        displayName: TEAMS.displayName,
        kind: "Teams",
        reasonCode: "teams",
        reason: "a Dataverse for Teams environment: no Web API access",
        kept: false,
    },
    {
        id: PROVISIONING.id,
        displayName: PROVISIONING.displayName,
        kind: "Production",
        reasonCode: "provisioning",
        reason: "its Dataverse database is still being provisioned",
        kept: false,
    },
];

describe("the demo's final table", () => {
    it("marks the skipped environments with their reason code in every stage, then gives each one's reason", () => {
        const view = viewOf(validateSeed(demo), ACCOUNT);
        assert.deepEqual(
            view.environments.map((e) => e.name),
            ["Contoso Production", "Contoso Sales (restricted)", "Contoso Finance", "Contoso Projects (Teams)", "Contoso Service (provisioning)"],
        );
        const text = formatViews(
            [
                { stage: "bootstrap", view },
                { stage: "operational", view },
            ],
            skipped,
        );
        const lines = text.split("\n");
        assert.equal(lines.filter((line) => /^ {4}Contoso Projects \(Teams\) +not a user +skipped \[teams\]$/.test(line)).length, 2, text);
        assert.equal(lines.filter((line) => /^ {4}Contoso Service \(provisioning\) +not a user +skipped \[provisioning\]$/.test(line)).length, 2, text);
        // The account is already in Finance (Administrative, without System Administrator): not skipped, so its role column says so.
        assert.ok(lines.includes("    Contoso Finance                  user, administrative no System Administrator"), text);
        assert.deepEqual(lines.slice(-3), [
            "skipped by the program (stack output skippedEnvironments), and why:",
            "    Contoso Projects (Teams)         [teams] a Dataverse for Teams environment: no Web API access",
            "    Contoso Service (provisioning)   [provisioning] its Dataverse database is still being provisioned",
        ]);
    });

    it("has no skipped block when nothing was skipped", () => {
        const text = formatViews([{ stage: "bootstrap", view: viewOf(validateSeed(demo), ACCOUNT) }]);
        assert.ok(!text.includes("skipped"), text);
    });
});
