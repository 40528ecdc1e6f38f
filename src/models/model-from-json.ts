import { TickflowError } from '../core/index.js';
import { Drift, SignPersistence, ZeroReturn } from './baselines.js';
import { ForestModel } from './forest/index.js';
import { OnlineLogistic } from './logistic.js';
import type { OnlineModel } from './online-model.js';
import { RecursiveLeastSquares } from './rls.js';

/** Restores any model from its `toJSON()` state, dispatching on `kind`; MALFORMED when the state is not valid. */
export function modelFromJSON(state: unknown): OnlineModel {
  const kind = typeof state === 'object' && state !== null ? (state as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'zero':
      return ZeroReturn.fromJSON(state);
    case 'drift':
      return Drift.fromJSON(state);
    case 'sign-persistence':
      return SignPersistence.fromJSON(state);
    case 'rls':
      return RecursiveLeastSquares.fromJSON(state);
    case 'logistic':
      return OnlineLogistic.fromJSON(state);
    case 'forest':
      return ForestModel.fromJSON(state);
    default:
      throw new TickflowError('MALFORMED', `model state has unknown kind ${JSON.stringify(kind)}`);
  }
}
