/**
 * Deterministic synthetic ad traffic for demos and load: the same seed and the same calls give the
 * same events. Pure: no clock, no randomness from outside, no I/O.
 */
import { EventType } from "#gen/tally/events/v1/events.js";
import type { AdEvent } from "#gen/tally/ingestion/v1/ingestion.js";

interface PlatformProfile {
  name: string;
  weight: number;
  /** Clicks per impression. */
  ctr: number;
  /** Conversions per click. */
  cvr: number;
  /** CPM platforms charge impressions (price per 1000), CPC platforms charge clicks (price per click). */
  billing: "CPM" | "CPC";
  priceMicros: number;
}

export const PLATFORM_PROFILES: readonly PlatformProfile[] = [
  { name: "meta", weight: 40, ctr: 0.012, cvr: 0.05, billing: "CPM", priceMicros: 9_000_000 },
  { name: "google", weight: 32, ctr: 0.028, cvr: 0.07, billing: "CPC", priceMicros: 1_800_000 },
  { name: "tiktok", weight: 18, ctr: 0.016, cvr: 0.035, billing: "CPM", priceMicros: 6_000_000 },
  { name: "linkedin", weight: 10, ctr: 0.01, cvr: 0.06, billing: "CPC", priceMicros: 5_500_000 },
];

/** "" stands for events whose region the tracker could not tell (ingested as ZZ). */
const REGIONS: readonly [string, number][] = [
  ["US", 30],
  ["IN", 12],
  ["GB", 10],
  ["DE", 9],
  ["BR", 8],
  ["FR", 7],
  ["JP", 5],
  ["CA", 5],
  ["MX", 4],
  ["ES", 4],
  ["AU", 4],
  ["", 2],
];

const HUMAN_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
];

export const BOT_AGENTS = [
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
  "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
  "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
];

const PLACEMENTS = ["feed", "stories", "search", "display", "video"];
const FIRST_OCTETS = [24, 31, 45, 62, 81, 103, 151, 177, 189, 201];

export interface TrafficOptions {
  seed: number;
  campaignIds: readonly string[];
  /** Event ids are `${idPrefix}-${n}`; give every run its own prefix so runs never collide. */
  idPrefix?: string;
  /** Share of impressions and clicks sent with a bot user agent. */
  botShare?: number;
  /** Events happen up to this long before `now`. */
  maxDelayMs?: number;
}

export interface TrafficGenerator {
  next(count: number, now: Date): AdEvent[];
}

/** mulberry32: small, fast and good enough for synthetic traffic; never for anything secret. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createTrafficGenerator(opts: TrafficOptions): TrafficGenerator {
  if (opts.campaignIds.length === 0) throw new Error("the traffic generator needs at least one campaign id");
  const random = seededRandom(opts.seed);
  const idPrefix = opts.idPrefix ?? `sim-${(opts.seed >>> 0).toString(36)}`;
  const botShare = opts.botShare ?? 0.02;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  let sequence = 0;

  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const weighted = <T>(items: readonly T[], weight: (t: T) => number): T => {
    let r = random() * items.reduce((sum, t) => sum + weight(t), 0);
    for (const t of items) if ((r -= weight(t)) < 0) return t;
    return items[items.length - 1]!;
  };
  /** Multiplies a price by 0.7–1.3 so that money is not suspiciously flat. */
  const jitter = (micros: number) => Math.round(micros * (0.7 + 0.6 * random()));

  function one(now: Date): AdEvent {
    const platform = weighted(PLATFORM_PROFILES, (p) => p.weight);
    const type = eventType(platform, random());
    const bot = type !== EventType.EVENT_TYPE_CONVERSION && random() < botShare;
    return {
      eventId: `${idPrefix}-${(sequence++).toString(36)}`,
      campaignId: pick(opts.campaignIds),
      type,
      platform: platform.name,
      region: weighted(REGIONS, ([, w]) => w)[0],
      occurTime: new Date(now.getTime() - int(maxDelayMs)),
      valueMicros: type === EventType.EVENT_TYPE_CONVERSION ? String(conversionValueMicros(random)) : "0",
      costMicros: String(costMicros(platform, type, jitter)),
      currencyCode: "",
      // Conversions often come server-to-server, without a browser.
      userAgent: bot ? pick(BOT_AGENTS) : type === EventType.EVENT_TYPE_CONVERSION && random() < 0.5 ? "" : pick(HUMAN_AGENTS),
      ip: `${pick(FIRST_OCTETS)}.${int(256)}.${int(256)}.${1 + int(254)}`,
      attributes: { creative: `cr-${1 + int(8)}`, placement: pick(PLACEMENTS) },
      // Simulated conversions carry revenue: purchases (no random draw, so the sequence is unchanged).
      conversionAction: type === EventType.EVENT_TYPE_CONVERSION ? "purchase" : "",
    };
  }

  return {
    next(count, now) {
      return Array.from({ length: count }, () => one(now));
    },
  };
}

/** Draws the type so that, in expectation, clicks = ctr × impressions and conversions = cvr × clicks. */
function eventType(p: PlatformProfile, u: number): EventType {
  const impressions = 1;
  const clicks = p.ctr;
  const conversions = p.ctr * p.cvr;
  const x = u * (impressions + clicks + conversions);
  if (x < impressions) return EventType.EVENT_TYPE_IMPRESSION;
  return x < impressions + clicks ? EventType.EVENT_TYPE_CLICK : EventType.EVENT_TYPE_CONVERSION;
}

function costMicros(p: PlatformProfile, type: EventType, jitter: (m: number) => number): number {
  if (p.billing === "CPM" && type === EventType.EVENT_TYPE_IMPRESSION) return jitter(p.priceMicros / 1000);
  if (p.billing === "CPC" && type === EventType.EVENT_TYPE_CLICK) return jitter(p.priceMicros);
  return 0;
}

/** Log-normal order values around 45.00 (most between 15 and 140), rounded to cents. */
function conversionValueMicros(random: () => number): number {
  const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const units = Math.exp(Math.log(45) + 0.6 * gaussian);
  return Math.round(units * 100) * 10_000;
}
