import type { Side } from '../../core/index.js';
import { recordError, type RecordError } from '../record-checks.js';

/** Binance's `m` / is_buyer_maker: a resting buyer means the aggressor sold. */
export function buyerMakerSide(s: string): Side | RecordError {
  switch (s.trim()) {
    case 'true':
    case 'True':
    case 'TRUE':
    case '1':
      return -1;
    case 'false':
    case 'False':
    case 'FALSE':
    case '0':
      return 1;
    default:
      return recordError('MALFORMED', `is_buyer_maker '${s}' is neither true nor false`);
  }
}
