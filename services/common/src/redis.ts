import { Redis } from "ioredis";
import type { Logger } from "./logger.js";

export type { Redis };

/** A Redis client that logs connection trouble once per state change instead of throwing. */
export function createRedis(url: string, logger: Logger, keyPrefix = ""): Redis {
  const log = logger.child({ component: "redis" });
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false, keyPrefix });
  let healthy = true;
  redis.on("error", (err) => {
    if (healthy) log.warn({ err: err.message }, "redis connection problem");
    healthy = false;
  });
  redis.on("ready", () => {
    if (!healthy) log.info("redis connection restored");
    healthy = true;
  });
  return redis;
}
