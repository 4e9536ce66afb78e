import { isIP, SocketAddress } from "node:net";
import type { EventKind } from "./ad-event.js";
import { Reason, type EventProblem } from "./receipt.js";

/** A fixed window of time: clicks are counted per (campaign, IP, window). */
export interface ClickWindow {
  startMs: number;
  lengthMs: number;
}

/** Clicks per (campaign, IP, window), shared by every ingestion replica. */
export interface ClickCounter {
  /**
   * Adds `clicks` to the window and returns its total, these included. Never throws: a counter that
   * cannot answer returns 0, which lets the clicks through — fail open, because this is a filter and
   * not a guarantee (a flood missed is counted in base metrics; a human dropped would be worse).
   */
  count(campaignId: string, ip: string, window: ClickWindow, clicks: number): Promise<number>;
}

/** More than maxClicks clicks from one IP on one campaign within one window are a flood. */
export interface ClickFloodRule {
  maxClicks: number;
  windowMs: number;
}

/** What the check reads of one event that would otherwise be ACCEPTED. */
export interface ClickCandidate {
  campaignId: string;
  ip: string;
  type: EventKind;
  occurTime: Date;
}

export interface ClickFloodCheck {
  /** CLICK_FLOOD for each click beyond its window's maximum, null for everything else; in input order. */
  screen(candidates: readonly ClickCandidate[]): Promise<(EventProblem | null)[]>;
}

interface Group {
  campaignId: string;
  ip: string;
  window: ClickWindow;
  indexes: number[];
}

/**
 * Windows are fixed and placed by occur_time, not arrival: a batch uploaded late or retried lands in
 * the same window as the clicks happened, so batching never makes humans look like a flood. Fixed
 * windows let up to twice the maximum through across a window boundary; the check is for floods,
 * not for exact rates. Events without a valid IP are not counted (server-to-server tracking).
 */
export function createClickFloodCheck(counter: ClickCounter, rule: ClickFloodRule): ClickFloodCheck {
  const problem: EventProblem = {
    reason: Reason.CLICK_FLOOD,
    field: "ip",
    message: `more than ${rule.maxClicks} clicks from this IP on this campaign within ${rule.windowMs / 1000} s`,
  };
  return {
    async screen(candidates) {
      const verdicts = candidates.map((): EventProblem | null => null);
      // One counter call per (campaign, IP, window) however many clicks the batch holds for it.
      await Promise.all(
        [...group(candidates, rule.windowMs).values()].map(async (g) => {
          const total = await counter.count(g.campaignId, g.ip, g.window, g.indexes.length);
          // This batch's clicks are the window's last ones, numbered in batch order up to total.
          const first = total - g.indexes.length + 1;
          g.indexes.forEach((index, k) => {
            if (first + k > rule.maxClicks) verdicts[index] = problem;
          });
        }),
      );
      return verdicts;
    },
  };
}

function group(candidates: readonly ClickCandidate[], windowMs: number): Map<string, Group> {
  const groups = new Map<string, Group>();
  candidates.forEach((c, index) => {
    const ip = c.type === "CLICK" ? canonicalIp(c.ip) : null;
    if (ip === null) return;
    const startMs = Math.floor(c.occurTime.getTime() / windowMs) * windowMs;
    const key = `${c.campaignId} ${ip} ${startMs}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { campaignId: c.campaignId, ip, window: { startMs, lengthMs: windowMs }, indexes: [] }));
    g.indexes.push(index);
  });
  return groups;
}

/**
 * One spelling per address, so that `2001:DB8::1`, `2001:0db8:0::1` and `::ffff:192.0.2.1`
 * (`192.0.2.1` through a dual-stack socket) each count as the one address they are. Null when not an IP.
 */
export function canonicalIp(ip: string): string | null {
  const version = isIP(ip);
  if (version === 0) return null;
  const address = new SocketAddress({ address: ip, family: version === 4 ? "ipv4" : "ipv6" }).address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  return mapped ? mapped[1]! : address;
}
