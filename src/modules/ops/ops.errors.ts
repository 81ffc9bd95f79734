// Every error code of the ops module, each written once with its status (docs/errors.md lists them
// for clients). The factories below are the only way the module makes them.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';

export type OpsErrorCode = 'MIGRATION_NOT_FOUND';

export const opsErrors = errorCatalogue<OpsErrorCode>({
  MIGRATION_NOT_FOUND: 404,
});
const raise = opsErrors.raise;

export const OpsErrors = {
  migrationNotFound: (version: number) => raise('MIGRATION_NOT_FOUND', `migration ${version} has not been applied`, { version }),
  /** The platform's code: /metrics without its bearer token. */
  metricsTokenRequired: () => platformErrors.raise('UNAUTHORIZED', '/metrics requires the metrics bearer token'),
} as const;
