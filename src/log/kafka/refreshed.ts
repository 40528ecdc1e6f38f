/**
 * The last answer of a slow asynchronous read (consumer lag from the brokers), refreshed in
 * the background at most every `everyMs`, so synchronous callers (stats, `depths()`) get an
 * answer at once: the initial value until the first read completes. A failed read keeps the
 * previous answer.
 */
export class Refreshed<T> {
  private at = 0;
  private inFlight = false;

  constructor(
    private value: T,
    private readonly everyMs: number,
    private readonly read: () => Promise<T>,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /** The last answer; starts a refresh when it is older than `everyMs` (and `refresh` allows). */
  get(refresh = true): T {
    if (refresh && !this.inFlight && Date.now() - this.at >= this.everyMs) {
      this.inFlight = true;
      this.read()
        .then((v) => (this.value = v))
        .catch(this.onError)
        .finally(() => {
          this.inFlight = false;
          this.at = Date.now();
        });
    }
    return this.value;
  }
}
