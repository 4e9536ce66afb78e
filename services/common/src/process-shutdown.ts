import type { Logger } from "./logger.js";

type Stop = () => Promise<void> | void;

/**
 * How one process shuts down. Parts register a stop function as they start; on SIGINT/SIGTERM
 * (or stop()) they are stopped in reverse start order, each awaited. (Campaign lifecycles are
 * something else: services/campaign/src/domain/campaign-lifecycle.ts.)
 */
export class ShutdownSequence {
  private readonly stops: { name: string; stop: Stop }[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  onStop(name: string, stop: Stop): void {
    this.stops.push({ name, stop });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, stop } of [...this.stops].reverse()) {
        try {
          await stop();
          this.logger.debug({ part: name }, "stopped");
        } catch (err) {
          this.logger.error({ err, part: name }, "stop failed");
        }
      }
    })();
    return this.stopping;
  }

  /** Installs signal handlers; the process exits once everything is stopped. */
  handleSignals(): void {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        this.logger.info({ signal }, "shutting down");
        const timer = setTimeout(() => {
          this.logger.error("shutdown took longer than 30s; exiting");
          process.exit(1);
        }, 30_000);
        timer.unref();
        void this.stop().then(() => process.exit(0));
      });
    }
  }
}

/** Runs a composition root; a failure to start is logged and exits non-zero after cleanup. */
export async function runMain(logger: Logger, main: (shutdown: ShutdownSequence) => Promise<void>): Promise<void> {
  const shutdown = new ShutdownSequence(logger);
  shutdown.handleSignals();
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));
  try {
    await main(shutdown);
  } catch (err) {
    logger.fatal({ err }, "start-up failed");
    await shutdown.stop();
    process.exit(1);
  }
}
