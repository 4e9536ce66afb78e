/**
 * Campaign id syntax. The campaign service assigns UUIDs; a reference to a campaign is any token of
 * 1–128 letters, digits, `-` or `_` (128 is the cap of AdEvent.campaign_id). Such a token that names
 * no campaign of the caller is an unknown id (NOT_FOUND, or listed as unknown); anything else —
 * blanks inside, punctuation, a URL, a SQL fragment — cannot name a campaign at all and is bad input.
 */
export const CAMPAIGN_ID_SYNTAX = /^[A-Za-z0-9_-]{1,128}$/;

export const CAMPAIGN_ID_RULE = "must be 1–128 letters, digits, '-' or '_'";

export function isCampaignIdSyntax(id: string): boolean {
  return CAMPAIGN_ID_SYNTAX.test(id);
}
