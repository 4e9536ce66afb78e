import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createBotFilter } from "./bot-filter.js";

describe("createBotFilter", () => {
  const filter = createBotFilter({ deniedIps: ["203.0.113.0/24", "198.51.100.7", "2001:db8::1", "2001:db8:beef::/48"] });
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
    ["an IPv6 inside a denied /48", human, "2001:db8:beef:1::7", { reason: "DENIED_IP", field: "ip" }],
    ["a garbage IP", human, "not-an-ip", null],
    ["a bot from a denied IP (user agent reported first)", "HeadlessChrome", "203.0.113.1", { reason: "BOT_USER_AGENT", field: "user_agent" }],
    ["a health checker", "kube-probe/1.29", "192.0.2.10", { reason: "BOT_USER_AGENT", field: "user_agent" }],
    ["a server-side HTTP client", "python-requests/2.32.3", "192.0.2.10", null],
    ["a server-side HTTP client from a denied IP", "curl/8.5.0", "198.51.100.7", { reason: "DENIED_IP", field: "ip" }],
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
