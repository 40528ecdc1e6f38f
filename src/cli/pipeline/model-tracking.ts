import type { Logger } from '../../obs/index.js';
import type { MlflowModelTracking } from '../../mlflow/index.js';

/**
 * MLflow tracking of model versions when MLFLOW_TRACKING_URI is set (docs/MLFLOW.md), else
 * undefined; the client is only loaded when it is used. A malformed URI is a CONFIG_INVALID error.
 */
export async function modelTrackingFromEnv(
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<MlflowModelTracking | undefined> {
  if (!env['MLFLOW_TRACKING_URI']) return undefined;
  const { mlflowFromEnv, MlflowModelTracking } = await import('../../mlflow/index.js');
  const tracker = mlflowFromEnv(env, logger);
  return tracker === null ? undefined : new MlflowModelTracking(tracker);
}
