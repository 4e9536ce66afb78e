/**
 * The campaign lifecycle (DESIGN §2.2): which action moves a campaign from which status to which,
 * the event each move records, and what may change in each status. Pure.
 */
import type { CampaignEventType, CampaignStatus, MutablePath } from "./campaign.js";

export type LifecycleAction = "launch" | "pause" | "resume" | "complete" | "cancel";

interface Transition {
  from: readonly CampaignStatus[];
  to: CampaignStatus;
  event: CampaignEventType;
}

/** DRAFT → ACTIVE ⇄ PAUSED; ACTIVE|PAUSED → COMPLETED; DRAFT|ACTIVE|PAUSED → CANCELLED. */
export const TRANSITIONS: Record<LifecycleAction, Transition> = {
  launch: { from: ["DRAFT"], to: "ACTIVE", event: "LAUNCHED" },
  pause: { from: ["ACTIVE"], to: "PAUSED", event: "PAUSED" },
  resume: { from: ["PAUSED"], to: "ACTIVE", event: "RESUMED" },
  complete: { from: ["ACTIVE", "PAUSED"], to: "COMPLETED", event: "COMPLETED" },
  cancel: { from: ["DRAFT", "ACTIVE", "PAUSED"], to: "CANCELLED", event: "CANCELLED" },
};

export const UPDATABLE_STATUSES: readonly CampaignStatus[] = ["DRAFT", "PAUSED"];
export const DELETABLE_STATUSES: readonly CampaignStatus[] = ["DRAFT", "COMPLETED", "CANCELLED"];

/** Money and reporting are defined by these; once a campaign has run they must stay put. */
export const FROZEN_AFTER_LAUNCH: readonly MutablePath[] = ["time_zone", "currency_code"];
