import { BlockList, isIP } from "node:net";

/** A deny-list entry: an address (prefix = full length) or a CIDR range, IPv4 or IPv6. */
export interface IpRule {
  family: "ipv4" | "ipv6";
  address: string;
  prefix: number;
}

export interface IpDenyList {
  has(ip: string): boolean;
}

const FULL_LENGTH = { ipv4: 32, ipv6: 128 } as const;

/** Parses `192.0.2.1`, `10.0.0.0/8`, `2001:db8::1` or `2001:db8::/32`; null when malformed. */
export function parseIpRule(text: string): IpRule | null {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  const version = isIP(address);
  if (rest.length > 0 || version === 0) return null;
  const family = version === 4 ? "ipv4" : "ipv6";
  if (prefixText === undefined) return { family, address, prefix: FULL_LENGTH[family] };
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > FULL_LENGTH[family]) return null;
  return { family, address, prefix };
}

/**
 * Node's BlockList does the matching. It also matches IPv4-mapped IPv6 addresses
 * (`::ffff:203.0.113.5`, what a dual-stack socket reports for an IPv4 peer) against IPv4 rules.
 * Throws on a malformed entry: config.ts reports them all at start-up, so this only guards tests.
 */
export function createIpDenyList(entries: readonly string[]): IpDenyList {
  const list = new BlockList();
  for (const entry of entries) {
    const rule = parseIpRule(entry);
    if (!rule) throw new Error(`invalid IP deny-list entry ${JSON.stringify(entry)}`);
    if (rule.prefix === FULL_LENGTH[rule.family]) list.addAddress(rule.address, rule.family);
    else list.addSubnet(rule.address, rule.prefix, rule.family);
  }
  return {
    has(ip) {
      const version = isIP(ip);
      return version !== 0 && list.check(ip, version === 4 ? "ipv4" : "ipv6");
    },
  };
}
