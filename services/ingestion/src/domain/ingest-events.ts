import { AppError, unavailable, Violations } from "#common/errors.js";
import type { EventRecord, IncomingEvent, KnownCampaign, ValidEvent } from "./ad-event.js";
import type { BotFilter } from "./bot-filter.js";
import type { ClickFloodCheck } from "./click-flood.js";
import { checkAgainstCampaign, validateEvent, type ValidationRules } from "./event-validation.js";
import { countReceipts, Reason, rejectedReceipt, type EventProblem, type Receipt, type ReceiptCounts } from "./receipt.js";

/** Reads a campaign as the tenant sees it; null when unknown, deleted or another tenant's. Throws UNAVAILABLE. */
export interface CampaignLookup {
  get(tenantId: string, campaignId: string, requestId?: string): Promise<KnownCampaign | null>;
}

/** What the idempotency store knew about one event_id when we tried to claim it. */
export type ClaimOutcome = "CLAIMED" | "ACCEPTED_BEFORE" | "IN_FLIGHT";

/** Claimed event ids held while they are published; confirm and release never throw. */
export interface DedupClaim {
  outcomes: ClaimOutcome[];
  /** After Kafka acknowledged: the claimed ids become accepted for the dedup period. */
  confirm(): Promise<void>;
  /** After publishing failed: the claimed ids are free again so that a retry is not a DUPLICATE. */
  release(): Promise<void>;
}

/** Idempotency by (tenant, event_id). Throws UNAVAILABLE when the store cannot answer. */
export interface EventDedup {
  claim(tenantId: string, eventIds: string[]): Promise<DedupClaim>;
}

/**
 * Durably appends records to the event log; resolves only once every record is acknowledged. The
 * request id travels with the records (consumers log it with anything they say about one).
 */
export interface EventPublisher {
  publish(records: EventRecord[], requestId?: string): Promise<void>;
}

export interface IngestEventsInput {
  tenantId: string;
  events: IncomingEvent[];
  requestId?: string;
  /** Added to receipt indexes, so that a stream's receipts count across all its chunks. */
  indexOffset?: number;
}

export interface IngestOutcome {
  receipts: Receipt[];
  counts: ReceiptCounts;
}

export interface IngestEventsDeps {
  campaigns: CampaignLookup;
  dedup: EventDedup;
  publisher: EventPublisher;
  botFilter: BotFilter;
  clickFloods: ClickFloodCheck;
  rules: ValidationRules & { maxBatch: number };
  clock?: () => Date;
}

export type IngestEvents = (input: IngestEventsInput) => Promise<IngestOutcome>;

/** An event that passed every check and is about to be claimed and published. */
interface Candidate {
  index: number;
  record: EventRecord;
  filter: EventProblem | null;
  /** For the click-flood check only: the IP is never published. */
  ip: string;
}

/** Receipts in request order; indexes shifted by the stream offset. */
class ReceiptBook {
  readonly receipts: Receipt[];

  constructor(
    size: number,
    private readonly offset: number,
  ) {
    this.receipts = new Array<Receipt>(size);
  }

  reject(i: number, eventId: string, problem: EventProblem): void {
    this.receipts[i] = rejectedReceipt(this.offset + i, eventId, problem);
  }

  duplicate(i: number, eventId: string, message: string): void {
    this.receipts[i] = { index: this.offset + i, eventId, status: "DUPLICATE", reason: "", field: "", message };
  }

  /** ACCEPTED, or FILTERED when the bot filter flagged it: published either way. */
  published(i: number, eventId: string, filter: EventProblem | null): void {
    const index = this.offset + i;
    this.receipts[i] = filter ? { index, eventId, status: "FILTERED", ...filter } : { index, eventId, status: "ACCEPTED", reason: "", field: "", message: "" };
  }
}

/**
 * The ingest use case. Per batch: validate each event's own fields, look each distinct campaign up
 * once, screen (campaign state, in-batch duplicates, bot filter), claim the event ids, publish, and
 * confirm. One bad event never fails the batch; a dependency that cannot answer fails the whole call
 * so that nothing is half-accepted silently.
 */
export function createIngestEvents(deps: IngestEventsDeps): IngestEvents {
  const clock = deps.clock ?? (() => new Date());

  return async (input) => {
    checkBatchSize(input.events.length, deps.rules.maxBatch);
    const now = clock();
    const book = new ReceiptBook(input.events.length, input.indexOffset ?? 0);
    const valid: { index: number; event: ValidEvent }[] = [];
    input.events.forEach((e, i) => {
      const v = validateEvent(e, now, deps.rules);
      if (v.ok) valid.push({ index: i, event: v.event });
      else book.reject(i, e.eventId, v.problem);
    });
    const campaigns = await lookupCampaigns(deps.campaigns, input, valid);
    const candidates = screen(valid, campaigns, book, (event, campaign) => {
      const filter = deps.botFilter.classify(event.userAgent, event.ip);
      return { filter, record: toRecord(input.tenantId, event, campaign, filter, now), ip: event.ip };
    });
    await claimAndPublish(deps, input, candidates, book);
    return { receipts: book.receipts, counts: countReceipts(book.receipts) };
  };
}

function checkBatchSize(n: number, max: number): void {
  const violations = new Violations();
  violations.check(n >= 1 && n <= max, "events", `send between 1 and ${max} events per request, got ${n}`);
  violations.throwIfAny();
}

async function lookupCampaigns(lookup: CampaignLookup, input: IngestEventsInput, valid: { event: ValidEvent }[]) {
  const ids = [...new Set(valid.map((v) => v.event.campaignId))];
  try {
    const found = await Promise.all(ids.map((id) => lookup.get(input.tenantId, id, input.requestId)));
    return new Map(ids.map((id, i) => [id, found[i] ?? null]));
  } catch (err) {
    throw err instanceof AppError ? err : unavailable("campaign service", err);
  }
}

/**
 * Campaign checks, then in-batch duplicates: the first event that would be published wins, so an
 * invalid first copy does not turn a valid later copy into a DUPLICATE of nothing.
 */
function screen(
  valid: { index: number; event: ValidEvent }[],
  campaigns: Map<string, KnownCampaign | null>,
  book: ReceiptBook,
  prepare: (event: ValidEvent, campaign: KnownCampaign) => Omit<Candidate, "index">,
): Candidate[] {
  const candidates: Candidate[] = [];
  const firstIndex = new Map<string, number>();
  for (const { index, event } of valid) {
    const campaign = campaigns.get(event.campaignId) ?? null;
    const problem = checkAgainstCampaign(event, campaign);
    const earlier = firstIndex.get(event.eventId);
    if (problem) book.reject(index, event.eventId, problem);
    else if (earlier !== undefined) book.duplicate(index, event.eventId, `same event_id as events[${earlier}] of this batch`);
    else {
      firstIndex.set(event.eventId, index);
      candidates.push({ index, ...prepare(event, campaign!) });
    }
  }
  return candidates;
}

/**
 * Steps and what a crash at each means:
 * 1. claim: ids become "pending" (short TTL). Crash → they free themselves; a retry is not a DUPLICATE.
 *    Then count clicks for the flood check: only claimed ones, so a resent click is never counted
 *    twice as a DUPLICATE; a publish failure below leaves its clicks counted (an over-count on retries
 *    after a Kafka failure only).
 * 2. publish: returns once Kafka (acks=all, idempotent) has every record. Failure → release, UNAVAILABLE.
 * 3. confirm: ids become "accepted" for the dedup period. Crash before → pending expires and a retry
 *    publishes again, which the aggregator's own (tenant, event_id) dedup counts once.
 */
async function claimAndPublish(deps: IngestEventsDeps, input: IngestEventsInput, candidates: Candidate[], book: ReceiptBook): Promise<void> {
  if (candidates.length === 0) return;
  const { tenantId } = input;
  const claim = await deps.dedup.claim(
    tenantId,
    candidates.map((c) => c.record.eventId),
  );
  const claimed = candidates.filter((c, k) => {
    const outcome = claim.outcomes[k];
    const eventId = c.record.eventId;
    if (outcome === "ACCEPTED_BEFORE") book.duplicate(c.index, eventId, "an event with this event_id was already accepted");
    if (outcome === "IN_FLIGHT") {
      book.reject(c.index, eventId, {
        reason: Reason.IN_FLIGHT,
        field: "event_id",
        message: "another request is publishing this event_id right now; retry shortly",
      });
    }
    return outcome === "CLAIMED";
  });
  if (claimed.length === 0) return;
  await screenClickFloods(deps.clickFloods, claimed);
  try {
    await deps.publisher.publish(
      claimed.map((c) => c.record),
      input.requestId,
    );
  } catch (err) {
    await claim.release();
    throw err instanceof AppError ? err : unavailable("event log (Kafka)", err);
  }
  await claim.confirm();
  for (const c of claimed) book.published(c.index, c.record.eventId, c.filter);
}

/** Only events that would otherwise be ACCEPTED count: bots and deny-listed IPs never fill a window. */
async function screenClickFloods(check: ClickFloodCheck, claimed: Candidate[]): Promise<void> {
  const open = claimed.filter((c) => c.filter === null);
  const verdicts = await check.screen(open.map((c) => ({ campaignId: c.record.campaignId, ip: c.ip, type: c.record.type, occurTime: c.record.occurTime })));
  open.forEach((c, k) => {
    const problem = verdicts[k];
    if (!problem) return;
    c.filter = problem;
    c.record = { ...c.record, filtered: true, filterReason: problem.reason };
  });
}

function toRecord(tenantId: string, e: ValidEvent, campaign: KnownCampaign, filter: EventProblem | null, now: Date): EventRecord {
  return {
    tenantId,
    eventId: e.eventId,
    campaignId: e.campaignId,
    type: e.type,
    platform: e.platform,
    region: e.region,
    occurTime: e.occurTime,
    receiveTime: now,
    valueMicros: e.valueMicros,
    costMicros: e.costMicros,
    currencyCode: campaign.currencyCode,
    filtered: filter !== null,
    filterReason: filter?.reason ?? "",
    attributes: e.attributes,
    conversionAction: e.conversionAction,
  };
}
