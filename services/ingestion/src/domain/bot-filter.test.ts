import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createBotFilter, isBotUserAgent, parseIpRule } from "./bot-filter.js";

describe("isBotUserAgent", () => {
  const bots = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "AdsBot-Google (+http://www.google.com/adsbot.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
    "Mozilla/5.0 (Linux; Android 11; moto g power) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36 Chrome-Lighthouse",
    "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
    "Screaming Frog SEO Spider/19.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Datadog Synthetics Monitoring",
  ];
  for (const ua of bots) it(`flags ${ua.slice(0, 60)}`, () => assert.equal(isBotUserAgent(ua), true));

  const humans = [
    "",
    "   ",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    "curl/8.5.0",
    "python-requests/2.32.3",
  ];
  for (const ua of humans) it(`lets ${JSON.stringify(ua.slice(0, 60))} through`, () => assert.equal(isBotUserAgent(ua), false));
});

describe("parseIpRule", () => {
  const valid = ["192.0.2.1", "10.0.0.0/8", "0.0.0.0/0", "203.0.113.0/24", "198.51.100.7/32", "2001:db8::1", "::1"];
  for (const s of valid) it(`parses ${s}`, () => assert.notEqual(parseIpRule(s), null));
  const invalid = ["", "256.0.0.1", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "1.2.3.4/8/1", "2001:db8::/32", "example.com", "10.0.0.0/-1"];
  for (const s of invalid) it(`refuses ${JSON.stringify(s)}`, () => assert.equal(parseIpRule(s), null));
});

describe("createBotFilter", () => {
  const filter = createBotFilter({ deniedIps: ["203.0.113.0/24", "198.51.100.7", "2001:db8::1"] });
  const human = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0";
  const cases: [string, string, string, { reason: string; field: string } | null][] = [
    ["a human from an allowed IP", human, "192.0.2.10", null],
    ["a human without user agent or IP", "", "", null],
    ["a crawler", "Googlebot/2.1", "192.0.2.10", { reason: "BOT_USER_AGENT", field: "user_agent" }],
    ["an IP inside a denied /24", human, "203.0.113.200", { reason: "DENIED_IP", field: "ip" }],
    ["the IP just outside the /24", human, "203.0.114.1", null],
    ["a denied single IPv4", human, "198.51.100.7", { reason: "DENIED_IP", field: "ip" }],
    ["its neighbour", human, "198.51.100.8", null],
    ["an IPv4-mapped IPv6 form of a denied IPv4", human, "::ffff:203.0.113.5", { reason: "DENIED_IP", field: "ip" }],
    ["a denied IPv6 written long-hand", human, "2001:0db8:0000:0000:0000:0000:0000:0001", { reason: "DENIED_IP", field: "ip" }],
    ["another IPv6", human, "2001:db8::2", null],
    ["a garbage IP", human, "not-an-ip", null],
    ["a bot from a denied IP (user agent reported first)", "HeadlessChrome", "203.0.113.1", { reason: "BOT_USER_AGENT", field: "user_agent" }],
  ];
  for (const [name, ua, ip, expected] of cases) {
    it(`${expected ? expected.reason : "passes"}: ${name}`, () => {
      const verdict = filter.classify(ua, ip);
      assert.deepEqual(verdict && { reason: verdict.reason, field: verdict.field }, expected);
    });
  }

  it("refuses a malformed deny-list entry at construction", () => {
    assert.throws(() => createBotFilter({ deniedIps: ["10.0.0.0/40"] }), /invalid IP deny-list entry/);
  });
});
