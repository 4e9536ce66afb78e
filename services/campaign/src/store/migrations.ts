import type { Knex, Migration } from "#common/db.js";
import { commentColumn, commentTable, createTable, type TableSpec } from "#common/table-spec.js";

export const CAMPAIGN_SCHEMA = "campaign";

/**
 * Migrations of schema "campaign", applied in order; never edit one that has shipped, add another.
 * New tables use createTable(TableSpec) from common/src/table-spec.ts (a catalog comment on every
 * column); 001 and 002 predate that, and 003 writes their comments into the catalog.
 */
export const migrations: Migration[] = [
  {
    name: "001_identity",
    async up(db: Knex) {
      await db.raw(`
        CREATE TABLE organizations (
          id          uuid PRIMARY KEY,                 -- the tenant id carried in every token
          name        text NOT NULL,                    -- display name, not unique
          create_time timestamptz NOT NULL
        );
        CREATE TABLE users (
          id              uuid PRIMARY KEY,
          organization_id uuid NOT NULL REFERENCES organizations(id),
          email           text NOT NULL,                -- stored lower-cased
          password_hash   text NOT NULL,                -- scrypt$N$r$p$salt$hash, never logged
          role            text NOT NULL CHECK (role IN ('OWNER','EDITOR','VIEWER')),
          create_time     timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX users_email_key ON users (email);  -- one account per email across Tally
        CREATE TABLE api_keys (
          id              uuid PRIMARY KEY,
          organization_id uuid NOT NULL REFERENCES organizations(id),
          display_name    text NOT NULL,
          scopes          text[] NOT NULL,              -- subset of {ingest, read}
          secret_hash     text NOT NULL UNIQUE,         -- sha256 of the secret; the secret is shown once
          secret_prefix   text NOT NULL,                -- first characters, to recognise a key
          create_time     timestamptz NOT NULL,
          delete_time     timestamptz                   -- revoked when set
        );
      `);
    },
  },
  {
    name: "002_campaigns",
    async up(db: Knex) {
      await db.raw(`
        CREATE TABLE campaigns (
          id              uuid PRIMARY KEY,
          organization_id uuid NOT NULL REFERENCES organizations(id),
          name            text NOT NULL,
          description     text NOT NULL DEFAULT '',
          status          text NOT NULL CHECK (status IN ('DRAFT','ACTIVE','PAUSED','COMPLETED','CANCELLED')),
          type            text NOT NULL,
          channels        text[] NOT NULL DEFAULT '{}',
          platforms       text[] NOT NULL DEFAULT '{}', -- lowercase slugs
          currency_code   char(3) NOT NULL,             -- ISO 4217; every *_micros amount is in it
          budget_micros   bigint NOT NULL CHECK (budget_micros > 0),
          time_zone       text NOT NULL,                -- IANA; frozen once launched
          start_time      timestamptz,
          end_time        timestamptz,
          create_time     timestamptz NOT NULL,
          update_time     timestamptz NOT NULL,
          launch_time     timestamptz,                  -- first launch; set once
          delete_time     timestamptz,                  -- soft delete: invisible to every RPC
          version         integer NOT NULL              -- optimistic concurrency; the etag
        );
        -- Names are unique per tenant among live campaigns, case-insensitively.
        CREATE UNIQUE INDEX campaigns_org_name_key ON campaigns (organization_id, lower(name)) WHERE delete_time IS NULL;
        CREATE INDEX campaigns_org_create_idx ON campaigns (organization_id, create_time DESC, id DESC);
        CREATE TABLE create_requests (
          organization_id uuid NOT NULL,
          request_id      text NOT NULL,                -- client idempotency key of CreateCampaign
          campaign_id     uuid NOT NULL REFERENCES campaigns(id),
          create_time     timestamptz NOT NULL,
          PRIMARY KEY (organization_id, request_id)
        );
        CREATE TABLE outbox (
          id           bigserial PRIMARY KEY,           -- publish order
          topic        text NOT NULL,
          message_key  text NOT NULL,                   -- Kafka key: the campaign id
          payload      bytea NOT NULL,                  -- encoded tally.events.v1.CampaignEvent
          create_time  timestamptz NOT NULL DEFAULT now(),
          publish_time timestamptz                      -- set once Kafka acknowledged it
        );
        CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE publish_time IS NULL;
      `);
    },
  },
  {
    name: "003_column_comments",
    async up(db: Knex) {
      for (const [table, comment, columns] of CATALOG_COMMENTS) await commentTable(db, table, comment, columns);
    },
  },
  {
    name: "004_api_key_last_use",
    async up(db: Knex) {
      await db.raw(`
        ALTER TABLE api_keys ADD COLUMN last_use_time timestamptz;
        CREATE INDEX api_keys_org_create_idx ON api_keys (organization_id, create_time DESC, id DESC) WHERE delete_time IS NULL;
      `);
      await commentColumn(
        db,
        "api_keys",
        "last_use_time",
        "When the key last authenticated a call, stamped at most once a minute per key and process; null until used.",
      );
    },
  },
  {
    name: "005_campaign_platform_links",
    async up(db: Knex) {
      await db.raw(`ALTER TABLE campaigns ADD COLUMN platform_links jsonb NOT NULL DEFAULT '[]'`);
      await commentColumn(
        db,
        "campaigns",
        "platform_links",
        "[{platform, accountId, externalCampaignIds}]: the ad-platform campaigns whose report rows are this campaign's; one link per platform.",
      );
    },
  },
  {
    name: "006_conversion_actions",
    async up(db: Knex) {
      await createTable(db, conversionActions);
    },
  },
];

const conversionActions: TableSpec = {
  name: "conversion_actions",
  comment:
    "A tenant's conversion actions (purchase, sign-up, lead…): the slugs events and report rows name, with a display name and category. Numbers are never looked up here; deleting one keeps what was counted under its slug.",
  columns: [
    ["organization_id", "uuid NOT NULL REFERENCES organizations(id)", "The tenant owning the action."],
    ["id", "text NOT NULL CHECK (id ~ '^[a-z0-9_]{1,32}$')", "Slug [a-z0-9_]{1,32}, unique in the tenant: what events and report rows carry."],
    ["display_name", "text NOT NULL", "Name shown to people, 1-100 characters."],
    ["category", "text NOT NULL CHECK (category IN ('PURCHASE','SIGN_UP','LEAD','ADD_TO_CART','SUBSCRIBE','OTHER'))", "What kind of outcome it counts."],
    ["create_time", "timestamptz NOT NULL", "When it was created."],
  ],
  constraints: ["PRIMARY KEY (organization_id, id)"],
};

/** The comments of the tables 001 and 002 created, as 003 writes them into the catalog. */
const CATALOG_COMMENTS: [table: string, comment: string, columns: [string, string][]][] = [
  [
    "organizations",
    "Tenants: one per customer organization.",
    [
      ["id", "The tenant id carried in every token."],
      ["name", "Display name; not unique."],
      ["create_time", "When the organization registered."],
    ],
  ],
  [
    "users",
    "People who sign in; each belongs to one organization. One account per email across Tally (users_email_key).",
    [
      ["id", "User id, carried in the user's tokens."],
      ["organization_id", "The user's tenant."],
      ["email", "Sign-in email, stored lower-cased."],
      ["password_hash", "scrypt$N$r$p$salt$hash; never logged."],
      ["role", "OWNER, EDITOR or VIEWER."],
      ["create_time", "When the user was created."],
    ],
  ],
  [
    "api_keys",
    "Machine credentials of an organization.",
    [
      ["id", "Key id."],
      ["organization_id", "The key's tenant."],
      ["display_name", "Name shown to the organization's users."],
      ["scopes", "Subset of {ingest, read}."],
      ["secret_hash", "sha256 of the secret; the secret itself is shown once and never stored."],
      ["secret_prefix", "First characters of the secret, to recognise a key."],
      ["create_time", "When the key was created."],
      ["delete_time", "When the key was revoked; null while it is valid."],
    ],
  ],
  [
    "campaigns",
    "Campaigns of every tenant. Names are unique per tenant among live campaigns, case-insensitively (campaigns_org_name_key).",
    [
      ["id", "Campaign id."],
      ["organization_id", "The campaign's tenant; every read filters on it."],
      ["name", "Display name."],
      ["description", "Free text; empty when not given."],
      ["status", "DRAFT, ACTIVE, PAUSED, COMPLETED or CANCELLED (domain/campaign-lifecycle.ts)."],
      ["type", "PROMOTION, LOYALTY, COUPON, SEGMENTATION or RETARGETING."],
      ["channels", "SEARCH, SOCIAL, DISPLAY, VIDEO, EMAIL, SMS, PUSH."],
      ["platforms", "Lowercase platform slugs."],
      ["currency_code", "ISO 4217; every *_micros amount of the campaign is in it. Frozen once launched."],
      ["budget_micros", "Budget in micros of currency_code; positive."],
      ["time_zone", "IANA time zone of the campaign's reports. Frozen once launched."],
      ["start_time", "Planned start; null when open."],
      ["end_time", "Planned end; null when open."],
      ["create_time", "When the campaign was created."],
      ["update_time", "Last change, including status changes."],
      ["launch_time", "First launch; set once."],
      ["delete_time", "Soft delete: set rows are invisible to every RPC."],
      ["version", "Optimistic concurrency: bumped by every change; the etag is derived from it."],
    ],
  ],
  [
    "create_requests",
    "CreateCampaign idempotency: the campaign each (tenant, request_id) created.",
    [
      ["organization_id", "The caller's tenant."],
      ["request_id", "Client idempotency key of CreateCampaign."],
      ["campaign_id", "The campaign that request created."],
      ["create_time", "When the request was first served."],
    ],
  ],
  [
    "outbox",
    "Campaign events written in the same transaction as the change they describe; outbox/outbox-relay.ts publishes them to Kafka.",
    [
      ["id", "Publish order."],
      ["topic", "Kafka topic (with its environment prefix)."],
      ["message_key", "Kafka key: the campaign id."],
      ["payload", "Encoded tally.events.v1.CampaignEvent."],
      ["create_time", "When the change committed."],
      ["publish_time", "When Kafka acknowledged the event; null until then."],
    ],
  ],
];
