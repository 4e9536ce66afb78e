import type { Knex, Migration } from "../../../common/src/db.js";

export const CAMPAIGN_SCHEMA = "campaign";

/** Migrations of schema "campaign", applied in order; never edit one that has shipped, add another. */
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
];
