/**
 * The floor baseline (DESIGN §4): a bare node:http server that answers every request with one
 * Redis GET of a ready JSON body — the least a cached insights API can do per request. Run as its
 * own process with plain `node` (Node strips the types): argv = port, Redis URL, key.
 * Prints its port on stdout once listening.
 */
import { createServer } from "node:http";
import { Redis } from "ioredis";

const [port = "0", redisUrl = "redis://127.0.0.1:56379", key = "floor"] = process.argv.slice(2);
const redis = new Redis(redisUrl);
const server = createServer((_req, res) => {
  redis.getBuffer(key).then(
    (body) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body?.length ?? 0 });
      res.end(body);
    },
    () => {
      res.writeHead(503);
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), "127.0.0.1", () => console.log(String((server.address() as { port: number }).port)));
process.on("SIGTERM", () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
