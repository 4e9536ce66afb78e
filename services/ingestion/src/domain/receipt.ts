/** What became of one event, as the client will read it. */
export type ReceiptStatus = "ACCEPTED" | "DUPLICATE" | "FILTERED" | "REJECTED";

/**
 * Stable reasons clients may branch on. Field problems say which field in `field`; the message
 * is for humans and may change.
 */
export const Reason = {
  /** A required field is empty. */
  MISSING_FIELD: "MISSING_FIELD",
  /** A field is malformed or out of range. */
  INVALID_FIELD: "INVALID_FIELD",
  /** occur_time is more than the allowed clock skew in the future. */
  OCCUR_TIME_IN_FUTURE: "OCCUR_TIME_IN_FUTURE",
  /** occur_time is older than the late-data window; it can never be counted. */
  OCCUR_TIME_TOO_OLD: "OCCUR_TIME_TOO_OLD",
  /** A report row's date is older than the late-data window; it can never be counted. */
  DATE_TOO_OLD: "DATE_TOO_OLD",
  /** currency_code differs from the campaign's. */
  CURRENCY_MISMATCH: "CURRENCY_MISMATCH",
  /** Unknown, deleted or another tenant's campaign. */
  CAMPAIGN_NOT_FOUND: "CAMPAIGN_NOT_FOUND",
  /** The campaign is still a DRAFT. */
  CAMPAIGN_NOT_LAUNCHED: "CAMPAIGN_NOT_LAUNCHED",
  /** Another request is publishing the same event_id right now; retry shortly. */
  IN_FLIGHT: "IN_FLIGHT",
  /** FILTERED: the user agent looks like a bot, crawler, headless browser or monitor. */
  BOT_USER_AGENT: "BOT_USER_AGENT",
  /** FILTERED: the IP address is on the deny list. */
  DENIED_IP: "DENIED_IP",
  /** FILTERED: more clicks from this IP on this campaign within the flood window than allowed. */
  CLICK_FLOOD: "CLICK_FLOOD",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface Receipt {
  index: number;
  eventId: string;
  status: ReceiptStatus;
  reason: string;
  field: string;
  message: string;
}

/** One problem with one event: the first found, in field order. */
export interface EventProblem {
  reason: Reason;
  field: string;
  message: string;
}

export interface ReceiptCounts {
  accepted: number;
  duplicate: number;
  filtered: number;
  rejected: number;
}

const KEYS: Record<ReceiptStatus, keyof ReceiptCounts> = {
  ACCEPTED: "accepted",
  DUPLICATE: "duplicate",
  FILTERED: "filtered",
  REJECTED: "rejected",
};

export const emptyCounts = (): ReceiptCounts => ({ accepted: 0, duplicate: 0, filtered: 0, rejected: 0 });

export function countReceipts(receipts: readonly Receipt[], into: ReceiptCounts = emptyCounts()): ReceiptCounts {
  for (const r of receipts) into[KEYS[r.status]] += 1;
  return into;
}

export function rejectedReceipt(index: number, eventId: string, problem: EventProblem): Receipt {
  return { index, eventId, status: "REJECTED", ...problem };
}
