import type { Scope } from "../auth.js";

const SCOPES: readonly Scope[] = ["ingest", "read"];

/** Scope names as stored and as exchanged between services; unknown names are dropped, never widened. */
export const parseScopes = (names: readonly string[]): Scope[] => SCOPES.filter((s) => names.includes(s));
