/** One unit of work: it gets the queue's signal, aborted when the queue is closed past its deadline. */
export interface QueuedTask {
  readonly label: string;
  readonly run: (signal: AbortSignal) => Promise<void>;
}

export interface TaskQueueCounts {
  /** Tasks waiting (the running one not included). */
  readonly queued: number;
  readonly running: boolean;
  readonly completed: number;
  /** Tasks that threw (after their own retries). */
  readonly failed: number;
  /** Tasks never run: pushed out by newer ones when full, pushed after close, or left at close's deadline. */
  readonly dropped: number;
}

export interface TaskQueueOptions {
  /** Tasks that may wait; when full, the oldest waiting one is dropped. */
  readonly maxQueued: number;
  readonly onFailure: (task: QueuedTask, e: unknown) => void;
  readonly onDrop: (task: QueuedTask, why: 'full' | 'closed') => void;
}

/**
 * A bounded FIFO of async tasks run one at a time, in order, in the background. Pushing never
 * waits and never throws, so the pipeline that calls it is never slowed by the server behind it.
 * Order matters to the tasks (a run is created before metrics are appended to it), hence one at
 * a time.
 */
export class TaskQueue {
  readonly #opts: TaskQueueOptions;
  #tasks: QueuedTask[] = [];
  #running = false;
  #closed = false;
  #completed = 0;
  #failed = 0;
  #dropped = 0;
  readonly #abort = new AbortController();
  #idleWaiters: (() => void)[] = [];

  constructor(opts: TaskQueueOptions) {
    this.#opts = opts;
  }

  /** Queues a task; false when it was refused (the queue is closed). */
  push(task: QueuedTask): boolean {
    if (this.#closed) {
      this.#dropped++;
      this.#opts.onDrop(task, 'closed');
      return false;
    }
    if (this.#tasks.length >= this.#opts.maxQueued) {
      const oldest = this.#tasks.shift();
      if (oldest) {
        this.#dropped++;
        this.#opts.onDrop(oldest, 'full');
      }
    }
    this.#tasks.push(task);
    if (!this.#running) {
      this.#running = true;
      void this.#drain();
    }
    return true;
  }

  counts(): TaskQueueCounts {
    return {
      queued: this.#tasks.length,
      running: this.#running,
      completed: this.#completed,
      failed: this.#failed,
      dropped: this.#dropped,
    };
  }

  /** Resolves true once nothing is queued or running, false if that has not happened within `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (!this.#running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.push(waiter);
    });
  }

  /**
   * Refuses new tasks, lets the queued ones run for up to `timeoutMs`, then drops what is left
   * and aborts the running task. Resolves true when everything queued had run.
   */
  async close(timeoutMs: number): Promise<boolean> {
    this.#closed = true;
    if (await this.idle(timeoutMs)) return true;
    const left = this.#tasks;
    this.#tasks = [];
    for (const t of left) {
      this.#dropped++;
      this.#opts.onDrop(t, 'closed');
    }
    this.#abort.abort(new Error('closed'));
    // An aborted request and an aborted wait end at once; the bound only guards against a task
    // that ignores its signal.
    await this.idle(1_000);
    return false;
  }

  async #drain(): Promise<void> {
    for (let task = this.#tasks.shift(); task !== undefined; task = this.#tasks.shift()) {
      try {
        await task.run(this.#abort.signal);
        this.#completed++;
      } catch (e) {
        this.#failed++;
        try {
          this.#opts.onFailure(task, e);
        } catch {
          // a failing logger must not stop the queue
        }
      }
    }
    this.#running = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
