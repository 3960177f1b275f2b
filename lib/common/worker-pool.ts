// A pool of worker threads (piscina) made with its first task: piscina itself is loaded then, and
// a build whose every task is current loads it and starts no thread.
import type { Piscina } from "piscina";

type PoolOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
type RunOptions = NonNullable<Parameters<Piscina["run"]>[1]>;

export class WorkerPool {
  private pool: Promise<Piscina> | null = null;

  /** `onMessage`: what a worker posts on its parentPort (besides results), from any worker. */
  constructor(
    private readonly options: PoolOptions,
    private readonly onMessage?: (message: unknown) => void,
  ) {}

  run(task: unknown, options?: RunOptions): Promise<unknown> {
    this.pool ??= import("piscina").then(({ Piscina }) => {
      const pool = new Piscina(this.options);
      if (this.onMessage) pool.on("message", this.onMessage);
      return pool;
    });
    return this.pool.then((pool) => pool.run(task, options));
  }

  async destroy(): Promise<void> {
    if (this.pool !== null) await (await this.pool).destroy();
  }
}
