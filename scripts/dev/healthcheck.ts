/**
 * A container health check (docker-compose.yml): exits 0 when the process answers, 1 otherwise.
 *   node dist/scripts/dev/healthcheck.js grpc 127.0.0.1:50051      grpc.health.v1 says SERVING for ""
 *   node dist/scripts/dev/healthcheck.js http http://127.0.0.1:9464/metrics   2xx
 * The same checks the native stack waits on (scripts/dev/processes.ts) and Kubernetes probes.
 */
import { checkGrpcHealth, checkHttp } from "./health.js";

const [kind, target] = process.argv.slice(2);
if ((kind !== "grpc" && kind !== "http") || !target) {
  console.error("usage: healthcheck grpc HOST:PORT | healthcheck http URL");
  process.exit(1);
}
const ok = kind === "grpc" ? await checkGrpcHealth(target, 2000) : await checkHttp(target);
if (!ok) console.error(`${kind} ${target} is not healthy`);
process.exit(ok ? 0 : 1);
