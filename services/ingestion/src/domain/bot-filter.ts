import { isIPv6 } from "node:net";
import { Reason, type EventProblem } from "./receipt.js";

/**
 * User agents of crawlers, spiders, headless browsers, link previewers and uptime monitors.
 * Deliberately absent: an empty user agent (server-to-server tracking often has none) and plain
 * HTTP libraries (curl, python-requests…), which server-side integrations legitimately send.
 */
const BOT_PATTERNS: readonly RegExp[] = [
  /bot\b/i, // googlebot, bingbot, AdsBot-Google, "…compatible; SomeBot/1.0"
  /bot[-_/]/i,
  /crawl/i,
  /spider/i,
  /slurp/i,
  /headless/i, // HeadlessChrome
  /phantomjs|selenium|puppeteer|playwright|webdriver/i,
  /lighthouse|pagespeed|gtmetrix/i,
  /pingdom|uptimerobot|statuscake|site24x7|uptime-kuma|newrelicpinger|datadog synthetics|catchpoint|monitor/i,
  /facebookexternalhit|mediapartners-google|bingpreview|embedly/i,
  /ahrefs|semrush|mj12|dotbot|petalbot|yandex|baiduspider|bytespider|gptbot|ccbot/i,
];

/** One alternation instead of a loop over patterns: one pass over each user agent. */
const BOT_PATTERN = new RegExp(BOT_PATTERNS.map((p) => `(?:${p.source})`).join("|"), "i");

/** Real browsers whose user agents contain a bot-like word (the Cubot phone brand). */
const FALSE_POSITIVES = /cubot/gi;

interface Ipv4Range {
  base: number;
  mask: number;
}

/** A deny-list entry: an IPv4 address or CIDR range, or an exact IPv6 address. */
export type IpRule = { v4: Ipv4Range } | { v6: string };

export interface BotFilter {
  /** Why the event is bot traffic, or null for human traffic. */
  classify(userAgent: string, ip: string): EventProblem | null;
}

export function createBotFilter(opts: { deniedIps: readonly string[] }): BotFilter {
  const rules = opts.deniedIps.map((s) => {
    const rule = parseIpRule(s);
    if (!rule) throw new Error(`invalid IP deny-list entry ${JSON.stringify(s)}`);
    return rule;
  });
  return {
    classify(userAgent, ip) {
      if (isBotUserAgent(userAgent)) {
        return { reason: Reason.BOT_USER_AGENT, field: "user_agent", message: "the user agent is a bot, crawler, headless browser or monitor" };
      }
      if (ip !== "" && rules.some((r) => ruleMatches(r, ip))) {
        return { reason: Reason.DENIED_IP, field: "ip", message: "the IP address is on the deny list" };
      }
      return null;
    },
  };
}

export function isBotUserAgent(userAgent: string): boolean {
  const ua = userAgent.replace(FALSE_POSITIVES, "");
  return ua.trim() !== "" && BOT_PATTERN.test(ua);
}

/** Parses `1.2.3.4`, `10.0.0.0/8` or an IPv6 address; null when malformed. */
export function parseIpRule(text: string): IpRule | null {
  const s = text.trim();
  const [addr, bitsText, ...rest] = s.split("/");
  if (rest.length > 0 || addr === undefined) return null;
  const v4 = parseIpv4(addr);
  if (v4 !== null) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (!/^\d{1,2}$/.test(bitsText ?? "32") || bits > 32) return null;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { v4: { base: (v4 & mask) >>> 0, mask } };
  }
  if (bitsText === undefined && isIPv6(addr)) return { v6: canonicalIpv6(addr) };
  return null;
}

function ruleMatches(rule: IpRule, ip: string): boolean {
  const v4 = parseIpv4(ip) ?? parseIpv4(ip.replace(/^::ffff:/i, ""));
  if ("v4" in rule) return v4 !== null && ((v4 & rule.v4.mask) >>> 0) === rule.v4.base;
  return isIPv6(ip) && canonicalIpv6(ip) === rule.v6;
}

function parseIpv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
}

/** Expands `::` and drops leading zeros, so that equal addresses compare equal as strings. */
function canonicalIpv6(s: string): string {
  const [head = "", tail] = s.toLowerCase().split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, "")).join(":");
}
