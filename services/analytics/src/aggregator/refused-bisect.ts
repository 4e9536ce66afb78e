/**
 * Finds the records a store refuses by bisection. `attempt` writes a group of records atomically:
 * all of them, or (when it throws) none. A refused group is split in halves and each half tried
 * again, so k bad records among n cost about 2·k·log2(n) attempts and every good record is written
 * exactly once, in its original order. Pure: the store is behind `attempt`.
 */

export interface Refused<T> {
  item: T;
  error: unknown;
}

export interface BisectOptions<T> {
  /** Writes the group entirely or not at all; throws when the store refuses it. */
  attempt(items: T[]): Promise<void>;
  /** True for a refusal one record can cause; anything else (connection lost, a bug) propagates. */
  isRefusal(err: unknown): boolean;
}

export async function isolateRefused<T>(items: T[], opts: BisectOptions<T>): Promise<Refused<T>[]> {
  const refused: Refused<T>[] = [];
  async function place(group: T[]): Promise<void> {
    if (group.length === 0) return;
    try {
      await opts.attempt(group);
      return;
    } catch (err) {
      if (!opts.isRefusal(err)) throw err;
      if (group.length === 1) {
        refused.push({ item: group[0]!, error: err });
        return;
      }
    }
    const middle = Math.ceil(group.length / 2);
    await place(group.slice(0, middle));
    await place(group.slice(middle));
  }
  await place(items);
  return refused;
}
