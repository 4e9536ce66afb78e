/**
 * Platform money and conversion counts → micros, exactly. Meta, LinkedIn and TikTok send money as
 * decimal strings ("12.34"); Google Ads sends conversions and conversion value as JSON doubles. No
 * value passes through float arithmetic: strings are read digit by digit into a bigint.
 *
 * Digits beyond the sixth decimal are rounded half to even (banker's rounding): platforms never
 * bill below a micro, but a double such as 0.1 + 0.2 = 0.30000000000000004 has noise there, and
 * rounding half-even keeps sums of many such values unbiased. Exponent notation ("1e-7", "1.5E3")
 * is accepted because JSON numbers may use it; anything else (empty, "12,34", "NaN", hex) is refused.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
/** Far above any platform amount, far below what would make the bigint work unbounded. */
const MAX_TEXT_LENGTH = 64;
const MICRO_DIGITS = 6;

/** The decimal `text` in micros (× 10^6), rounded half-even; throws RangeError when it is not a decimal. */
export function decimalToMicros(text: string): bigint {
  const match = text.length <= MAX_TEXT_LENGTH ? DECIMAL.exec(text.trim()) : null;
  const [, sign = "", whole = "", fraction = "", exponentText] = match ?? [];
  if (!match || (whole === "" && fraction === "")) throw new RangeError(`not a decimal number: "${text.slice(0, 32)}"`);
  const exponent = Number(exponentText ?? 0);
  if (Math.abs(exponent) > 30) throw new RangeError(`decimal exponent out of range: "${text.slice(0, 32)}"`);
  // value = digits × 10^(exponent − fraction.length); micros = digits × 10^(shift).
  const digits = BigInt((whole + fraction).replace(/^0+(?=\d)/, "") || "0");
  const shift = exponent - fraction.length + MICRO_DIGITS;
  const micros = shift >= 0 ? digits * 10n ** BigInt(shift) : roundHalfEven(digits, 10n ** BigInt(-shift));
  return sign === "-" ? -micros : micros;
}

/**
 * A JSON number in micros. `String(n)` is the shortest decimal that reads back as the same double,
 * i.e. the digits the sender wrote (proto3 JSON writes doubles that way), so 2.5 → 2_500_000n and
 * 0.1 → 100_000n exactly.
 */
export function numberToMicros(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return decimalToMicros(String(value));
}

/** A platform count (impressions, clicks) that may come as a JSON string or number: whole, ≥ 0. */
export function wholeCount(value: unknown, field: string): bigint {
  if (value === undefined || value === null || value === "") return 0n;
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : null;
  if (text === null || !/^\d{1,19}$/.test(text)) throw new RangeError(`${field} is not a whole count: ${JSON.stringify(value)?.slice(0, 32)}`);
  return BigInt(text);
}

/** Money or a fractional count given as a decimal string or a JSON number; absent → 0. */
export function optionalMicros(value: unknown, field: string): bigint {
  if (value === undefined || value === null || value === "") return 0n;
  try {
    if (typeof value === "number") return numberToMicros(value);
    if (typeof value === "string") return decimalToMicros(value);
  } catch (error) {
    throw new RangeError(`${field}: ${(error as Error).message}`);
  }
  throw new RangeError(`${field} is not a number: ${JSON.stringify(value)?.slice(0, 32)}`);
}

function roundHalfEven(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  const twice = (value % divisor) * 2n;
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}
