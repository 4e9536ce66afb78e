/**
 * Metric math. Base metrics are additive counts (bigint: sums of int64 micros can pass 2^53);
 * ratios are derived from summed bases only, never stored, never averaged, and absent when their
 * denominator is zero.
 *
 * Conversions are summed exactly, in millionths (platforms report fractional conversions: Google
 * Ads' data-driven attribution gives 2.5); the whole count is derived like a ratio, rounded once
 * from the exact sum of whatever it describes (a row, a total), never summed from rounded parts.
 */
export interface BaseMetrics {
  impressions: bigint;
  clicks: bigint;
  /** Conversions × 10^6, exact: tracked conversions are whole (10^6 each), platform ones may be fractional. */
  conversionsMicros: bigint;
  costMicros: bigint;
  revenueMicros: bigint;
  /** Bot-filtered events: counted apart, never part of the counts above. */
  filteredEvents: bigint;
}

export interface DerivedMetrics extends BaseMetrics {
  /** Whole conversions: conversionsMicros rounded half to even (wholeConversions). */
  conversions: bigint;
  ctr?: number;
  conversionRate?: number;
  cpcMicros?: bigint;
  cpmMicros?: bigint;
  cpaMicros?: bigint;
  roas?: number;
}

export const BASE_METRIC_NAMES = ["impressions", "clicks", "conversionsMicros", "costMicros", "revenueMicros", "filteredEvents"] as const;

/** Millionths per conversion. */
export const MICROS_PER_CONVERSION = 1_000_000n;

export function zeroMetrics(): BaseMetrics {
  return { impressions: 0n, clicks: 0n, conversionsMicros: 0n, costMicros: 0n, revenueMicros: 0n, filteredEvents: 0n };
}

/** Adds b into a (mutating a) and returns a; used to fold many rows into one total. */
export function addInto(a: BaseMetrics, b: BaseMetrics): BaseMetrics {
  for (const name of BASE_METRIC_NAMES) a[name] += b[name];
  return a;
}

export function sumMetrics(list: Iterable<BaseMetrics>): BaseMetrics {
  const total = zeroMetrics();
  for (const m of list) addInto(total, m);
  return total;
}

export function metricsEqual(a: BaseMetrics, b: BaseMetrics): boolean {
  return BASE_METRIC_NAMES.every((name) => a[name] === b[name]);
}

/** n / d rounded half away from zero, exactly (BigInt division truncates toward zero). */
export function divideRoundHalfAwayFromZero(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("division by zero");
  const q = n / d;
  const r = n % d;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  if (2n * abs(r) < abs(d)) return q;
  return n < 0n === d < 0n ? q + 1n : q - 1n;
}

/** n / d rounded half to even, exactly: the unbiased rounding, so many rounded halves do not drift one way. */
export function divideRoundHalfEven(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("division by zero");
  const q = n / d;
  const r = n % d;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const twice = 2n * abs(r);
  const away = n < 0n === d < 0n ? q + 1n : q - 1n;
  if (twice > abs(d)) return away;
  if (twice < abs(d)) return q;
  return q % 2n === 0n ? q : away;
}

/**
 * The whole count of exact conversions (the API's `conversions`): rounded half to even, so 2.5 →
 * 2, 3.5 → 4, 3.25 → 3, and a sequence of .5 days does not round up systematically.
 */
export function wholeConversions(conversionsMicros: bigint): bigint {
  return divideRoundHalfEven(conversionsMicros, MICROS_PER_CONVERSION);
}

/** A fraction as a double; both sides fit a double closely enough for a ratio. */
const ratio = (n: bigint, d: bigint): number | undefined => (d === 0n ? undefined : Number(n) / Number(d));
const micros = (n: bigint, d: bigint): bigint | undefined => (d === 0n ? undefined : divideRoundHalfAwayFromZero(n, d));

/** Adds the ratios; each is absent (undefined) when its denominator is zero. */
export function deriveMetrics(base: BaseMetrics): DerivedMetrics {
  const out: DerivedMetrics = { ...base, conversions: wholeConversions(base.conversionsMicros) };
  const set = <K extends keyof DerivedMetrics>(key: K, value: DerivedMetrics[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set("ctr", ratio(base.clicks, base.impressions));
  // Scaling the denominator, not dividing twice: for whole conversions c × 10^6 / (k × 10^6) is the
  // same double as c / k (both operands exact, one correctly rounded division).
  set("conversionRate", ratio(base.conversionsMicros, base.clicks * MICROS_PER_CONVERSION));
  set("roas", ratio(base.revenueMicros, base.costMicros));
  set("cpcMicros", micros(base.costMicros, base.clicks));
  set("cpmMicros", micros(base.costMicros * 1000n, base.impressions));
  set("cpaMicros", micros(base.costMicros * MICROS_PER_CONVERSION, base.conversionsMicros));
  return out;
}
