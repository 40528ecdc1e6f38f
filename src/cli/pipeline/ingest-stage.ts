import { TOPICS, type Log } from '../../log/index.js';
import type { TradeSource } from '../../sources/index.js';
import type { TradesMessage } from './messages.js';
import { RateMeter } from '../../obs/index.js';

/**
 * Sources → trades topic. Backpressure comes from the log: `send` waits while the topic is
 * full, which slows a replay down and, for a live feed, is where shedding would be counted.
 */
export class IngestStage {
  readonly meter = new RateMeter();
  rejects = 0;

  constructor(
    private readonly log: Log,
    readonly source: TradeSource,
    /** Stable name the checkpoint stores this source's position under. */
    readonly name: string = source.name,
  ) {}

  async run(signal?: AbortSignal): Promise<void> {
    const producer = this.log.producer();
    for await (const chunk of this.source) {
      if (signal?.aborted) return;
      this.meter.mark(chunk.trades.length);
      this.rejects += chunk.rejects.length;
      await producer.send<TradesMessage>(TOPICS.trades, [
        { key: this.name, value: { kind: 'chunk', source: this.name, chunk }, partition: 0 },
      ]);
    }
    if (signal?.aborted) return;
    await producer.send<TradesMessage>(TOPICS.trades, [{ key: this.name, value: { kind: 'end', source: this.name }, partition: 0 }]);
  }
}
