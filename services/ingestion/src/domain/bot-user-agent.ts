import { isbot } from "isbot";

/**
 * HTTP libraries that server-side integrations send by default. Server-to-server tracking
 * legitimately posts clicks and conversions with them, so they are not bot traffic here, although
 * isbot (built for web pages, where no human sends `curl/8.5`) lists them.
 *
 * Why an allow-list checked before isbot, and not isbot's `list` minus the patterns that match these
 * clients: isbot catches them mostly through generic patterns — a user agent that is nothing but
 * `product/version` (`^[\w .\-():%]+(?:/v?\d+…)?$`), `http`, `java`, `node\b`, `url` — and those same
 * patterns are what flag kube-probe, ELB-HealthChecker, k6 and unnamed scripts. Removing them would
 * bring back the misses this list is meant to fix; naming the allowed clients keeps isbot whole.
 *
 * Matched on the leading product token only (`okhttp/4.12.0`, `Python/3.11 aiohttp/3.9.5`): a
 * crawler that names itself first (`MyCrawler/1.0 python-requests/2.32`) is still a bot, while one
 * that keeps a library's default user agent passes — as it always has; the IP deny list and the
 * click-flood check are the answers to those.
 */
const HTTP_CLIENTS: readonly string[] = [
  "curl",
  "python-requests",
  "python-urllib",
  "python-httpx",
  "python", // "Python/3.11 aiohttp/3.9.5"
  "aiohttp",
  "go-http-client",
  "node-fetch",
  "node", // Node's built-in fetch
  "undici",
  "axios",
  "got",
  "okhttp",
  "java-http-client",
  "java", // HttpURLConnection: "Java/17.0.2"
  "apache-httpclient",
  "guzzlehttp",
  "faraday",
  "ruby",
  "restsharp",
  "dart",
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");

/** The client's name then a version, a comment or nothing: `node-fetch` is allowed, `nodejs-crawler` is not. */
const HTTP_CLIENT = new RegExp(`^(?:${HTTP_CLIENTS.map(escape).join("|")})(?:[/ (;]|$)`, "i");

/** True for an allowed server-side HTTP client (see HTTP_CLIENTS). */
export function isHttpClientUserAgent(userAgent: string): boolean {
  return HTTP_CLIENT.test(userAgent.trim());
}

/**
 * Crawlers, spiders, headless browsers, link previewers, uptime monitors, health checkers and load
 * testers, by the maintained isbot list. An empty user agent is not a bot (server-to-server tracking
 * often sends none), nor is an allowed HTTP client, checked first.
 */
export function isBotUserAgent(userAgent: string): boolean {
  const ua = userAgent.trim();
  if (ua === "" || HTTP_CLIENT.test(ua)) return false;
  return isbot(ua);
}
