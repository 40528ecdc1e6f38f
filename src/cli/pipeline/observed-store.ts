import { timeStoreCommit } from '../../api/pipeline-metrics.js';
import type { Store } from '../../store/index.js';

/**
 * Times every commit of the process's store for /metrics (`tickflow_store_commit_duration_seconds`).
 * The commit is replaced on the instance rather than the store wrapped in another object: the
 * `Store` contract grows with its backends (DuckDB, PostgreSQL), and a wrapper would have to
 * forward each new method by hand.
 */
export function observeStoreCommits<S extends Store>(store: S): S {
  const commit = store.commit.bind(store);
  store.commit = (write) => timeStoreCommit(() => commit(write));
  return store;
}
