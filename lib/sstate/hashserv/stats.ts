// Request timing statistics, reported by "get-stats" in BitBake's shape. The variance is
// kept with Welford's running update so that it needs no list of samples.

export class RequestStats {
  #num = 0;
  #total = 0;
  #max = 0;
  #mean = 0;
  #m2 = 0;

  add(elapsedSeconds: number): void {
    this.#num++;
    this.#total += elapsedSeconds;
    if (elapsedSeconds > this.#max) this.#max = elapsedSeconds;
    const delta = elapsedSeconds - this.#mean;
    this.#mean += delta / this.#num;
    this.#m2 += delta * (elapsedSeconds - this.#mean);
  }

  /** Times `fn` as one request. */
  async measure<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add((performance.now() - start) / 1000);
    }
  }

  reset(): void {
    this.#num = 0;
    this.#total = 0;
    this.#max = 0;
    this.#mean = 0;
    this.#m2 = 0;
  }

  toReply(): { num: number; total_time: number; max_time: number; average: number; stdev: number } {
    return {
      num: this.#num,
      total_time: this.#total,
      max_time: this.#max,
      average: this.#num === 0 ? 0 : this.#total / this.#num,
      stdev: this.#num <= 1 ? 0 : Math.sqrt(this.#m2 / (this.#num - 1)),
    };
  }
}
