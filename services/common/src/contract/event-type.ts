/**
 * Event types (tally.events.v1.EventType): the one mapping between wire numbers and the names the
 * domains use. The numbers are the proto's (the wire contract, stable by buf breaking); they are
 * written here rather than imported from gen/ so domain code can use this module. A unit test pins
 * them to the generated enum.
 */
export type EventKind = "IMPRESSION" | "CLICK" | "CONVERSION";

export const EVENT_KINDS: readonly EventKind[] = ["IMPRESSION", "CLICK", "CONVERSION"];

const NUMBER_OF: Record<EventKind, number> = { IMPRESSION: 1, CLICK: 2, CONVERSION: 3 };
const KIND_OF: ReadonlyMap<number, EventKind> = new Map(EVENT_KINDS.map((k) => [NUMBER_OF[k], k]));

/** The kind of a wire number; null for UNSPECIFIED (0), UNRECOGNIZED (-1) or any unknown number. */
export function eventKindOf(wire: number): EventKind | null {
  return KIND_OF.get(wire) ?? null;
}

/** The wire number of a kind (also the value stored in analytics.raw_events.type). */
export function eventTypeNumber(kind: EventKind): number {
  return NUMBER_OF[kind];
}
