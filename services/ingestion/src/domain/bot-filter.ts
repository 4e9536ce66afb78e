import { isBotUserAgent } from "./bot-user-agent.js";
import { createIpDenyList } from "./ip-deny-list.js";
import { Reason, type EventProblem } from "./receipt.js";

export interface BotFilter {
  /** Why the event is bot traffic, or null for human traffic. The user agent is reported first. */
  classify(userAgent: string, ip: string): EventProblem | null;
}

/** The per-event bot checks: the user agent (bot-user-agent.ts) and the IP deny list (ip-deny-list.ts). */
export function createBotFilter(opts: { deniedIps: readonly string[] }): BotFilter {
  const denied = createIpDenyList(opts.deniedIps);
  return {
    classify(userAgent, ip) {
      if (isBotUserAgent(userAgent)) {
        return { reason: Reason.BOT_USER_AGENT, field: "user_agent", message: "the user agent is a bot, crawler, headless browser or monitor" };
      }
      if (denied.has(ip)) return { reason: Reason.DENIED_IP, field: "ip", message: "the IP address is on the deny list" };
      return null;
    },
  };
}
