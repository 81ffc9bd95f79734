import { AppError } from '../../platform/errors.js';

export const OpsErrors = {
  migrationNotFound: (version: number) =>
    new AppError(404, 'MIGRATION_NOT_FOUND', `migration ${version} has not been applied`, { version }),
  metricsTokenRequired: () => new AppError(401, 'UNAUTHORIZED', '/metrics requires the metrics bearer token'),
} as const;
