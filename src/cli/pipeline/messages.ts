import type { SourceChunk } from '../../sources/index.js';

/** What travels on the trades topic: a chunk of a source, or the end of a finite source. */
export type TradesMessage =
  { readonly kind: 'chunk'; readonly source: string; readonly chunk: SourceChunk } | { readonly kind: 'end'; readonly source: string };
