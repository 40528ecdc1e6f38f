/**
 * Runs async tasks one at a time, in call order. A DuckDB connection executes one
 * statement at a time, and a commit's statements must not interleave with anything else
 * on its connection (they share its transaction).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
