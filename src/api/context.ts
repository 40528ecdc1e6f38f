import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Store } from '../store/store.js';
import type { InstrumentCatalog } from './instrument-catalog.js';
import type { LiveFeed } from './live-feed.js';
import type { SeedModelSlot } from './routes/seed.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: the handler only computes, it never waits on the store or the network, so it gets
     * no handler timeout (server.ts). Default true.
     */
    waits?: boolean;
  }
}

/** The Fastify instance type the API builds: TypeBox schemas type every handler. */
export type ApiServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The running pipeline's forecasters, as the API may change them. */
export interface ModelControl {
  /** Makes `model` the champion of the series; resolves with the change, or null when it already was. */
  promote(instrument: string, interval: string, model: string): Promise<unknown>;
}

/** What the route groups share. Built once per server. */
export interface ApiContext {
  readonly store: Store;
  readonly live: LiveFeed | undefined;
  readonly version: string;
  readonly startedAt: number;
  /** Canonical names of the configured intervals, in configured order. */
  readonly intervals: readonly string[];
  readonly catalog: InstrumentCatalog;
  /** Raw interval text → canonical name, for configured intervals only (bounded). */
  readonly intervalMemo: Map<string, string>;
  /** Changes to the running forecasters (promote); absent when this process runs no processor. */
  readonly models: ModelControl | undefined;
  /** The seed prediction API's model (routes/seed.ts); /health reports whether one is loaded. */
  readonly seedModel: SeedModelSlot;
}
