/**
 * Conversion actions (issue 6, item 9): the outcomes a tenant counts as conversions (purchase,
 * sign-up, lead…). Events and report rows name one by its id, a slug; insights split conversions
 * and revenue by it. Ingestion does not look actions up (contract/conversion-action.ts says why):
 * this resource names and categorises the slugs a tenant uses, and deleting one never rewrites
 * numbers already counted under it.
 */
import { CONVERSION_ACTION_SLUG, normaliseConversionAction, slugifyConversionAction } from "#common/contract/conversion-action.js";
import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
import { AppError, notFound, Violations } from "#common/errors.js";

export const CONVERSION_ACTION_CATEGORIES = ["PURCHASE", "SIGN_UP", "LEAD", "ADD_TO_CART", "SUBSCRIBE", "OTHER"] as const;
export type ConversionActionCategory = (typeof CONVERSION_ACTION_CATEGORIES)[number];

export interface ConversionAction {
  tenantId: string;
  id: string;
  displayName: string;
  category: ConversionActionCategory;
  createTime: Date;
}

export interface ConversionActionInput {
  displayName: string;
  /** null for UNSPECIFIED or a number this build does not know. */
  category: ConversionActionCategory | null;
  /** "" lets the server derive the id from the display name. */
  id: string;
}

/** Persistence; every statement is scoped to the tenant. */
export interface ConversionActionStore {
  /** TAKEN: the id exists in the tenant; FULL: the tenant has maxPerTenant actions already. */
  insert(action: ConversionAction, maxPerTenant: number): Promise<"CREATED" | "TAKEN" | "FULL">;
  /** The tenant's ids equal to base or of the form base_N, to pick a free server-assigned one. */
  idsLike(tenantId: string, base: string): Promise<string[]>;
  /** By id, after the given id. */
  list(tenantId: string, afterId: string | null, limit: number): Promise<ConversionAction[]>;
  /** false when there was none. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

export interface ConversionActionService {
  create(tenantId: string, input: ConversionActionInput): Promise<ConversionAction>;
  list(tenantId: string, input: { pageSize: number; pageToken: string }): Promise<{ conversionActions: ConversionAction[]; nextPageToken: string }>;
  delete(tenantId: string, id: string): Promise<void>;
}

export const MAX_DISPLAY_NAME_CHARS = 100;
/** A tenant defines a handful; the cap keeps insights by action and this list small. */
export const MAX_ACTIONS_PER_TENANT = 200;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

const taken = (id: string) => new AppError("ALREADY_EXISTS", "CONVERSION_ACTION_EXISTS", `conversion action ${JSON.stringify(id)} already exists`);

/**
 * The id a server assigns: the display name's slug, or with _2, _3… when that is taken (the
 * suffix cut into the 32 characters). null when the name has no letters or digits to slug.
 */
export function assignId(displayName: string, existing: readonly string[]): string | null {
  const base = slugifyConversionAction(displayName);
  if (base === "") return null;
  const used = new Set(existing);
  if (!used.has(base)) return base;
  for (let n = 2; n <= MAX_ACTIONS_PER_TENANT + 1; n++) {
    const suffix = `_${n}`;
    const id = `${base.slice(0, 32 - suffix.length).replace(/_+$/, "")}${suffix}`;
    if (!used.has(id)) return id;
  }
  return null;
}

export function createConversionActionService(deps: { store: ConversionActionStore; pageTokens: PageTokens; now?: () => Date }): ConversionActionService {
  const { store, pageTokens, now = () => new Date() } = deps;
  return {
    async create(tenantId, input) {
      const v = new Violations();
      const displayName = input.displayName.trim();
      v.check(displayName !== "", "conversion_action.display_name", "is required");
      v.check([...displayName].length <= MAX_DISPLAY_NAME_CHARS, "conversion_action.display_name", `must be at most ${MAX_DISPLAY_NAME_CHARS} characters`);
      v.check(
        input.category !== null,
        "conversion_action.category",
        `must be one of ${CONVERSION_ACTION_CATEGORIES.map((c) => `CONVERSION_ACTION_CATEGORY_${c}`).join(", ")}`,
      );
      const chosen = normaliseConversionAction(input.id);
      v.check(chosen !== null, "conversion_action_id", "must be a slug of 1–32 letters, digits or underscores ([a-z0-9_]{1,32})");
      v.throwIfAny();
      let id = chosen!;
      if (id === "") {
        const assigned = assignId(displayName, await store.idsLike(tenantId, slugifyConversionAction(displayName)));
        if (assigned === null) {
          v.add("conversion_action_id", "is required when display_name has no letters or digits to derive it from");
          v.throwIfAny();
        }
        id = assigned!;
      }
      const action: ConversionAction = { tenantId, id, displayName, category: input.category!, createTime: now() };
      const outcome = await store.insert(action, MAX_ACTIONS_PER_TENANT);
      if (outcome === "TAKEN") throw taken(id);
      if (outcome === "FULL")
        throw new AppError(
          "FAILED_PRECONDITION",
          "TOO_MANY_CONVERSION_ACTIONS",
          `an organization has at most ${MAX_ACTIONS_PER_TENANT} conversion actions; delete one first`,
        );
      return action;
    },

    async list(tenantId, input) {
      const v = new Violations();
      v.check(input.pageSize >= 0 && input.pageSize <= MAX_PAGE_SIZE, "page_size", `must be 0–${MAX_PAGE_SIZE} (0 means ${DEFAULT_PAGE_SIZE})`);
      const scope = `conversionActions/${tenantId}`;
      const after = readPageToken(pageTokens, scope, input.pageToken, (p) => (typeof p === "string" && CONVERSION_ACTION_SLUG.test(p) ? p : null), v);
      v.throwIfAny();
      const pageSize = input.pageSize || DEFAULT_PAGE_SIZE;
      const rows = await store.list(tenantId, after, pageSize + 1);
      const conversionActions = rows.slice(0, pageSize);
      const last = conversionActions.at(-1);
      return { conversionActions, nextPageToken: rows.length > pageSize && last ? pageTokens.seal(scope, last.id) : "" };
    },

    async delete(tenantId, id) {
      const slug = normaliseConversionAction(id);
      if (!slug || !(await store.delete(tenantId, slug))) throw notFound("conversion action", id, "CONVERSION_ACTION_NOT_FOUND");
    },
  };
}
