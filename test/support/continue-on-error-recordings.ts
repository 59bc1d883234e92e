// Two updates with --continue-on-error as the pinned CLI reported them, recorded against
// the emulated demo tenant (test/fleet/fixtures/continue-on-error-events.json), and the
// demo tenant's ids they name: what the fleet's convergence and operations tests replay.

import { readFileSync } from "fs";
import * as path from "path";

import type { EngineEvent } from "@pulumi/pulumi/automation";

const RECORDED = JSON.parse(readFileSync(path.join(__dirname, "..", "fleet", "fixtures", "continue-on-error-events.json"), "utf8")) as {
    recordings: Record<string, EngineEvent[]>;
};

/** One environment refuses addUser; a security group refuses the membership. */
export const ENVIRONMENT_REFUSED = RECORDED.recordings["an environment refuses addUser, a security group refuses the membership"];
/** A stage move whose new directory role is refused. */
export const ROLE_REFUSED = RECORDED.recordings["a stage move: the new directory role is refused"];

export const PRODUCTION = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
export const RESTRICTED = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
export const FINANCE = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f";
export const GROUP = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";
