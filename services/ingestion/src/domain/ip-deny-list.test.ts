import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createIpDenyList, parseIpRule } from "./ip-deny-list.js";

describe("parseIpRule", () => {
  const valid: [string, ReturnType<typeof parseIpRule>][] = [
    ["192.0.2.1", { family: "ipv4", address: "192.0.2.1", prefix: 32 }],
    ["10.0.0.0/8", { family: "ipv4", address: "10.0.0.0", prefix: 8 }],
    ["0.0.0.0/0", { family: "ipv4", address: "0.0.0.0", prefix: 0 }],
    [" 203.0.113.0/24 ", { family: "ipv4", address: "203.0.113.0", prefix: 24 }],
    ["198.51.100.7/32", { family: "ipv4", address: "198.51.100.7", prefix: 32 }],
    ["2001:db8::1", { family: "ipv6", address: "2001:db8::1", prefix: 128 }],
    ["::1", { family: "ipv6", address: "::1", prefix: 128 }],
    ["2001:db8::/32", { family: "ipv6", address: "2001:db8::", prefix: 32 }],
    ["::/0", { family: "ipv6", address: "::", prefix: 0 }],
  ];
  for (const [s, rule] of valid) it(`parses ${s}`, () => assert.deepEqual(parseIpRule(s), rule));

  const invalid = [
    "",
    "256.0.0.1",
    "10.0.0.0/33",
    "10.0.0.0/",
    "10.0.0/8",
    "1.2.3.4/8/1",
    "example.com",
    "10.0.0.0/-1",
    "10.0.0.0/8.5",
    "2001:db8::/129",
    "2001:db8::/",
    "2001:zz8::/32",
    "/8",
  ];
  for (const s of invalid) it(`refuses ${JSON.stringify(s)}`, () => assert.equal(parseIpRule(s), null));
});

describe("createIpDenyList", () => {
  const list = createIpDenyList(["203.0.113.0/24", "198.51.100.7", "2001:db8::1", "2001:db8:beef::/48", "10.0.0.1/8"]);
  const cases: [string, boolean][] = [
    ["203.0.113.0", true],
    ["203.0.113.255", true],
    ["203.0.112.255", false],
    ["203.0.114.1", false],
    ["198.51.100.7", true],
    ["198.51.100.8", false],
    ["10.200.0.1", true], // a range written with host bits set still covers its whole /8
    ["11.0.0.1", false],
    ["::ffff:203.0.113.5", true], // IPv4-mapped IPv6, as a dual-stack socket reports an IPv4 peer
    ["::ffff:cb00:7105", true], // the same address in hex
    ["::ffff:203.0.114.5", false],
    ["2001:db8::1", true],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", true],
    ["2001:db8::2", false],
    ["2001:db8:beef::1", true],
    ["2001:db8:beef:ffff:ffff:ffff:ffff:ffff", true],
    ["2001:db8:bef0::1", false],
    ["", false],
    ["not-an-ip", false],
  ];
  for (const [ip, denied] of cases) it(`${denied ? "denies" : "allows"} ${JSON.stringify(ip)}`, () => assert.equal(list.has(ip), denied));

  it("refuses a malformed entry at construction, naming it", () => {
    assert.throws(() => createIpDenyList(["10.0.0.0/8", "2001:db8::/200"]), /invalid IP deny-list entry "2001:db8::\/200"/);
  });
});
