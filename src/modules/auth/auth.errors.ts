import { AppError } from '../../platform/errors.js';
import type { PolicyViolation } from './password-policy.js';

export const AuthErrors = {
  weakPassword: (violation: PolicyViolation) => new AppError(400, 'WEAK_PASSWORD', violation.message, { reason: violation.reason }),
  invalidEmail: (email: string) => new AppError(400, 'INVALID_EMAIL', `"${email}" is not an email address`, { email }),
  emailTaken: (email: string) => new AppError(409, 'EMAIL_TAKEN', `a user with email ${email} already exists`, { email }),
  userNotFound: (who: string) => new AppError(404, 'USER_NOT_FOUND', `no user ${who}`, { user: who }),
  unknownRole: (role: string) => new AppError(400, 'UNKNOWN_ROLE', `role must be one of admin, operator, viewer, got "${role}"`, { role }),
  grantNotFound: (email: string, role: string, unit: string | null) =>
    new AppError(404, 'GRANT_NOT_FOUND', `${email} holds no ${role} grant ${unit ? `on ${unit}` : 'globally'}`, {
      email,
      role,
      orgUnitCode: unit,
    }),
} as const;
