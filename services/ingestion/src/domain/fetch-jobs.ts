/**
 * FetchPlatformData as a long-running job (AIP-151 style): the call stores a PENDING job and
 * answers at once; a worker of any ingestion replica claims it (a lease in the store), pulls each
 * linked platform, and records rows, receipt counts and per-platform errors.
 */
import { normalisePlatform } from "#common/contract/platform.js";
import { calendarDateProblem } from "#common/contract/time-bounds.js";
import { AppError, notFound, Violations } from "#common/errors.js";
import type { KnownCampaign } from "./ad-event.js";
import type { ReceiptCounts } from "./receipt.js";
import { emptyCounts } from "./receipt.js";
import { addDays } from "./platform-sync.js";

/** The external campaigns of one platform that a campaign covers (Campaign.platform_links). */
export interface PlatformLinkInfo {
  platform: string;
  /** "" means the tenant's only connection of the platform. */
  accountId: string;
  externalCampaignIds: string[];
}

export type FetchJobState = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED";

export interface FetchJobError {
  platform: string;
  connectionId: string;
  /** NO_CONNECTION, FETCH_FAILED, CREDENTIALS_REFUSED, NO_SOURCE. */
  reason: string;
  message: string;
}

export interface FetchJob {
  id: string;
  tenantId: string;
  campaignId: string;
  /** The campaign's links of the platforms to fetch, as they were when the job was accepted. */
  links: PlatformLinkInfo[];
  /** "" when the default window (the lookback ending today in each account's zone) applies. */
  startDate: string;
  endDate: string;
  state: FetchJobState;
  rows: number;
  rowsByPlatform: Record<string, number>;
  counts: ReceiptCounts;
  errors: FetchJobError[];
  createTime: Date;
  startTime: Date | null;
  endTime: Date | null;
}

export interface FetchJobStore {
  insertJob(job: FetchJob): Promise<void>;
  getJob(tenantId: string, id: string): Promise<FetchJob | null>;
}

/** A campaign as the job needs it: its state and its links. */
export interface LinkedCampaignLookup {
  get(tenantId: string, campaignId: string, requestId?: string): Promise<(KnownCampaign & { platformLinks?: PlatformLinkInfo[] }) | null>;
}

export interface FetchRequest {
  campaignId: string;
  platforms: string[];
  startDate: string;
  endDate: string;
}

export interface FetchJobsDeps {
  store: FetchJobStore;
  campaigns: LinkedCampaignLookup;
  newId: () => string;
  /** Wakes a worker so the job starts without waiting for the next poll. */
  wake: () => void;
  /** The longest range one job may fetch. */
  maxRangeDays: number;
  clock?: () => Date;
}

export interface FetchJobs {
  start(tenantId: string, request: FetchRequest, requestId?: string): Promise<FetchJob>;
  get(tenantId: string, id: string): Promise<FetchJob>;
}

export function createFetchJobs(deps: FetchJobsDeps): FetchJobs {
  const clock = deps.clock ?? (() => new Date());
  return {
    async start(tenantId, request, requestId) {
      const v = new Violations();
      v.check(request.campaignId.trim() !== "", "campaign_id", "is required");
      const platforms = request.platforms.map((p) => normalisePlatform(p));
      v.check(
        platforms.every((p) => p !== null),
        "platforms",
        "must be platform slugs such as meta or google",
      );
      for (const field of ["start_date", "end_date"] as const) {
        const value = field === "start_date" ? request.startDate : request.endDate;
        const problem = value === "" ? null : calendarDateProblem(value);
        if (problem) v.add(field, problem);
      }
      if (v.empty && request.startDate !== "" && request.endDate !== "") {
        v.check(request.startDate <= request.endDate, "start_date", "must not be after end_date");
        v.check(addDays(request.startDate, deps.maxRangeDays - 1) >= request.endDate, "end_date", `a job fetches at most ${deps.maxRangeDays} days`);
      }
      v.check((request.startDate === "") === (request.endDate === ""), "start_date", "give both start_date and end_date, or neither for the lookback window");
      v.throwIfAny();
      const campaign = await deps.campaigns.get(tenantId, request.campaignId, requestId);
      if (!campaign) throw notFound("campaign", request.campaignId);
      const wanted = new Set(platforms as string[]);
      const links = (campaign.platformLinks ?? []).filter((l) => wanted.size === 0 || wanted.has(l.platform));
      const unlinked = [...wanted].filter((p) => !links.some((l) => l.platform === p));
      if (unlinked.length > 0 || links.length === 0) {
        const message =
          unlinked.length > 0
            ? `campaign is not linked to ${unlinked.join(", ")}; add platform_links to the campaign`
            : "campaign has no platform_links; link it to its campaigns on the ad platforms first";
        throw new AppError("FAILED_PRECONDITION", "CAMPAIGN_NOT_LINKED", message, {
          metadata: { campaign_id: request.campaignId },
          preconditions: [{ type: "CAMPAIGN_NOT_LINKED", subject: `campaigns/${request.campaignId}`, description: message }],
        });
      }
      const job: FetchJob = {
        id: deps.newId(),
        tenantId,
        campaignId: request.campaignId,
        links,
        startDate: request.startDate,
        endDate: request.endDate,
        state: "PENDING",
        rows: 0,
        rowsByPlatform: {},
        counts: emptyCounts(),
        errors: [],
        createTime: clock(),
        startTime: null,
        endTime: null,
      };
      await deps.store.insertJob(job);
      deps.wake();
      return job;
    },
    async get(tenantId, id) {
      const job = await deps.store.getJob(tenantId, id);
      if (!job) throw notFound("platform fetch job", id, "FETCH_JOB_NOT_FOUND");
      return job;
    },
  };
}
