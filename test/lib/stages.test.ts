import { strict as assert } from "assert";

import { DYNAMICS_365_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";
import { planStage, STAGES } from "../../lib/stages";

const roleNames = (stage: (typeof STAGES)[number]) =>
    planStage(stage)
        .directoryRoles.map((r) => r.displayName)
        .sort();

describe("stage model", () => {
    it("bootstrap holds Global Administrator and Dynamics 365 Administrator", () => {
        assert.deepEqual(roleNames("bootstrap"), ["Dynamics 365 Administrator", "Global Administrator"]);
    });

    it("operational drops Global Administrator and adds Power Platform Administrator", () => {
        assert.deepEqual(roleNames("operational"), ["Dynamics 365 Administrator", "Power Platform Administrator"]);
    });

    it("reauth holds all three", () => {
        assert.deepEqual(roleNames("reauth"), ["Dynamics 365 Administrator", "Global Administrator", "Power Platform Administrator"]);
    });

    it("makes only Global Administrator time-bound, and only when asked", () => {
        assert.deepEqual(planStage("bootstrap").timeBoundRoles, []);
        assert.deepEqual(planStage("bootstrap", true).timeBoundRoles, [GLOBAL_ADMINISTRATOR]);
        assert.deepEqual(planStage("reauth", true).timeBoundRoles, [GLOBAL_ADMINISTRATOR]);
        assert.deepEqual(planStage("operational", true).timeBoundRoles, []);
        assert.deepEqual(planStage("reauth", true).directoryRoles, planStage("reauth").directoryRoles, "the same roles, held differently");
    });

    it("uses the built-in role template ids", () => {
        assert.equal(GLOBAL_ADMINISTRATOR.templateId, "62e90394-69f5-4237-9190-012177145e10");
        assert.equal(DYNAMICS_365_ADMINISTRATOR.templateId, "44367163-eba1-44c3-98af-f5787879f96a");
        assert.equal(POWER_PLATFORM_ADMINISTRATOR.templateId, "11648597-926c-4cf3-9c36-bcebb0ba8dcc");
    });
});
