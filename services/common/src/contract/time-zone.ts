/**
 * Report and campaign time zones are IANA names (DESIGN §2): `Europe/Berlin`, `Asia/Kathmandu`,
 * `UTC`, `Etc/GMT+5`. Bare UTC offsets such as `+05:45` are refused: they carry no DST rules, and
 * Node 24's ICU accepts them while older runtimes did not, so "what Intl takes" is not the rule.
 */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** True when `name` is an IANA time zone name this runtime knows. */
export function isIanaTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
