/**
 * What the four fake platform servers share: a deterministic ad account (numbers derived from
 * campaign id and date, so tests can compute what to expect), switches for throttling, token
 * expiry and restating a past day, and a small node:http server on a port of its own. Used by the
 * connector tests and by `npm start`'s demo; each platform's fake-server.ts renders these numbers
 * in that platform's documented format.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeConversion {
  action: string;
  conversionsMicros: bigint;
  revenueMicros: bigint;
}

export interface FakeDay {
  impressions: bigint;
  clicks: bigint;
  costMicros: bigint;
  conversions: FakeConversion[];
}

export interface FakeAccountOptions {
  accountId: string;
  campaignIds: string[];
  timeZone: string;
  currencyCode: string;
  /** Conversion actions the account reports, in the platform's own naming. */
  conversionActions: string[];
  /** Whole conversions only (Meta, LinkedIn, TikTok) or halves too (Google's data-driven attribution). */
  fractionalConversions?: boolean;
  /** Size and rates of a realistic account (the demo's); without it, small arbitrary numbers. */
  profile?: FakeProfile;
}

/** A campaign's typical day; each day varies around it (±20 % volume, ±15 % rates), deterministically. */
export interface FakeProfile {
  impressionsPerDay: number;
  /** Clicks per impression. */
  ctr: number;
  /** Conversions per click, over every conversion action. */
  cvr: number;
  /** Spend per 1000 impressions, micros. */
  cpmMicros: number;
  /** Revenue per conversion, micros. */
  orderValueMicros: number;
}

/** A deterministic ad account. */
export class FakeAccount {
  /** date → how often it was restated; part of the seed, so a restated day has new numbers. */
  private readonly restatements = new Map<string, number>();

  constructor(readonly options: FakeAccountOptions) {}

  hasCampaign(campaignId: string): boolean {
    return this.options.campaignIds.includes(campaignId);
  }

  /** Restate `date` for every campaign: the next read of that day answers different numbers. */
  restate(date: string): void {
    this.restatements.set(date, (this.restatements.get(date) ?? 0) + 1);
  }

  day(campaignId: string, date: string): FakeDay {
    const seed = createHash("sha256")
      .update(`${this.options.accountId}|${campaignId}|${date}|${this.restatements.get(date) ?? 0}`)
      .digest();
    const pick = (offset: number, modulo: number) => seed.readUInt32BE(offset) % modulo;
    if (this.options.profile) return this.profiledDay(this.options.profile, pick);
    const impressions = BigInt(1_000 + pick(0, 9_000));
    const clicks = (impressions * BigInt(1 + pick(4, 40))) / 1_000n;
    // Whole cents, so decimal strings look like what platforms send ("12.34").
    const costMicros = BigInt(500 + pick(8, 50_000)) * 10_000n;
    const conversions = this.options.conversionActions.map((action, index) => {
      const halves = BigInt(pick(12 + index * 4, 12));
      const conversionsMicros = this.options.fractionalConversions ? halves * 500_000n : (halves / 2n) * 1_000_000n;
      return { action, conversionsMicros, revenueMicros: (conversionsMicros / 1_000_000n) * BigInt(1_000 + pick(16, 9_000)) * 10_000n };
    });
    return { impressions, clicks, costMicros, conversions };
  }

  private profiledDay(p: FakeProfile, pick: (offset: number, modulo: number) => number): FakeDay {
    /** A factor in [1 − spread, 1 + spread] from the seed bytes at offset. */
    const vary = (offset: number, spread: number) => 1 - spread + (2 * spread * pick(offset, 10_000)) / 10_000;
    const impressions = Math.round(p.impressionsPerDay * vary(0, 0.2));
    const clicks = Math.round(impressions * p.ctr * vary(4, 0.15));
    const cents = (micros: number) => BigInt(Math.round(micros / 10_000)) * 10_000n;
    const actions = this.options.conversionActions;
    const conversions = actions.map((action, index) => {
      const expected = (clicks * p.cvr * vary(12 + index * 4, 0.15)) / actions.length;
      const conversionsMicros = this.options.fractionalConversions ? BigInt(Math.round(expected * 2)) * 500_000n : BigInt(Math.round(expected)) * 1_000_000n;
      return { action, conversionsMicros, revenueMicros: cents((Number(conversionsMicros) / 1e6) * p.orderValueMicros * vary(28, 0.15)) };
    });
    return { impressions: BigInt(impressions), clicks: BigInt(clicks), costMicros: cents((impressions / 1000) * p.cpmMicros * vary(8, 0.15)), conversions };
  }
}

/** Switches a test or the demo flips on a running fake server. */
export class FakeControls {
  /** Report calls still to answer with the platform's throttling response. */
  throttleNext = 0;
  /** Seconds the throttling response asks to wait (Retry-After, retryDelay…). */
  throttleRetryAfterSeconds = 1;
  /** Access tokens the server accepts; a refresh (where the platform has one) issues a new one. */
  readonly validTokens = new Set<string>();
  /** Every request's method and path, in order (no query: tokens may ride in it). */
  readonly requests: string[] = [];
  tokenRefreshes = 0;

  constructor(initialToken: string) {
    this.validTokens.add(initialToken);
  }

  /** Expire every issued token: report calls answer the platform's auth error until refreshed. */
  expireTokens(): void {
    this.validTokens.clear();
  }

  /** Accept a new token (what a reconnect or a refresh hands out). */
  issueToken(): string {
    const token = `fake-${randomUUID()}`;
    this.validTokens.add(token);
    return token;
  }

  /** True when this call should be throttled (and counts it). */
  takeThrottle(): boolean {
    if (this.throttleNext <= 0) return false;
    this.throttleNext -= 1;
    return true;
  }

  countOf(pathPart: string): number {
    return this.requests.filter((r) => r.includes(pathPart)).length;
  }
}

export interface FakeReply {
  status: number;
  json: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (request: { method: string; url: URL; headers: IncomingMessage["headers"]; body: string }) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  /** http://127.0.0.1:port — the connector's base URL. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 → any free port) and answers with `handler`. */
export async function startFakeHttp(handler: FakeHandler, controls: FakeControls, port = 0): Promise<FakeServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      controls.requests.push(`${req.method} ${url.pathname}`);
      Promise.resolve()
        .then(() => handler({ method: req.method ?? "GET", url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") }))
        .then(
          (reply) => send(res, reply),
          (error: Error) => send(res, { status: 500, json: { error: { message: error.message } } }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: FakeReply): void {
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
  res.end(typeof reply.json === "string" ? reply.json : JSON.stringify(reply.json));
}

/** Micros as a decimal string with the platform's habit: "12.34", "5", "0.5". */
export function microsToDecimal(micros: bigint): string {
  const sign = micros < 0n ? "-" : "";
  const abs = micros < 0n ? -micros : micros;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** The bearer token of a request, if any. */
export function bearerToken(headers: IncomingMessage["headers"]): string | undefined {
  const value = headers.authorization;
  return typeof value === "string" && value.startsWith("Bearer ") ? value.slice(7) : undefined;
}
