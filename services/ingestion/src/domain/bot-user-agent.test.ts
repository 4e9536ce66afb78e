import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBotUserAgent, isHttpClientUserAgent } from "./bot-user-agent.js";

/** Real user agents, as servers log them. */
const CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

describe("isBotUserAgent", () => {
  // The hand-written regexes missed these (issue 11): an inspection tool, link previews, health checkers, load testers.
  const formerMisses = [
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Google-InspectionTool/1.0;)",
    "Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)",
    "WhatsApp/2.23.20.0",
    "WhatsApp/2.2329.9 A",
    "kube-probe/1.29",
    "ELB-HealthChecker/2.0",
    "GoogleHC/1.0",
    "Grafana k6/0.51.0",
    "k6/0.45.0 (https://k6.io/)",
  ];
  const crawlers = [
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
    // Named first, so not an allowed client even though a library follows.
    "MyCrawler/1.0 python-requests/2.32.3",
  ];
  for (const ua of [...formerMisses, ...crawlers]) it(`flags ${ua.slice(0, 70)}`, () => assert.equal(isBotUserAgent(ua), true));

  const humans = [
    "",
    "   ",
    CHROME_WINDOWS,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
    // The YandexSearch app is a person searching on a phone; the old regexes flagged it for "yandex".
    "Mozilla/5.0 (Linux; Android 12; M2101K6G Build/SKQ1.210908.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.210 Mobile Safari/537.36 YandexSearch/24.10.1",
    // Cubot is a phone brand, not a bot.
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
  ];
  for (const ua of humans) it(`lets the browser ${JSON.stringify(ua.slice(0, 70))} through`, () => assert.equal(isBotUserAgent(ua), false));

  // Server-to-server tracking sends these; isbot alone would flag every one of them.
  const httpClients = [
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Python-urllib/3.11",
    "python-httpx/0.27.0",
    "Python/3.11 aiohttp/3.9.5",
    "Go-http-client/1.1",
    "Go-http-client/2.0",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "node",
    "undici",
    "axios/1.7.2",
    "got (https://github.com/sindresorhus/got)",
    "okhttp/4.12.0",
    "Java-http-client/21.0.2",
    "Java/17.0.2",
    "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "GuzzleHttp/7",
    "Faraday v2.9.0",
    "Ruby",
    "RestSharp/110.2.0.0",
  ];
  for (const ua of httpClients) {
    it(`allows the HTTP client ${ua}`, () => assert.deepEqual([isHttpClientUserAgent(ua), isBotUserAgent(ua)], [true, false]));
  }

  it("allows a client by its whole name only", () => {
    assert.deepEqual(["nodejs-crawler/1.0", "gotham-scraper/2.0", "curlbot/1.0"].map(isHttpClientUserAgent), [false, false, false]);
    assert.deepEqual(["nodejs-crawler/1.0", "gotham-scraper/2.0", "curlbot/1.0"].map(isBotUserAgent), [true, true, true]);
  });
});
