// The password policy: pure, with no dependencies, so that configuration can check
// VIGIL_ADMIN_PASSWORD at start-up, before any database work, with the very rules users meet.

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/** Long passwords people still pick; each is refused whatever its case. */
const COMMON = new Set(
  [
    'password1234',
    'password12345',
    'password123456',
    'passw0rd1234',
    'p@ssw0rd1234',
    'p@ssword1234',
    'password!234',
    'qwertyuiop12',
    'qwertyuiop123',
    'qwerty123456',
    '1q2w3e4r5t6y',
    '1qaz2wsx3edc',
    'zaq12wsxcde3',
    'asdfghjkl123',
    '123456789012',
    '1234567890123',
    '12345678910111',
    '098765432112',
    '111111111111',
    '000000000000',
    'abcdefghijkl',
    'abc123456789',
    'iloveyou1234',
    'letmein12345',
    'welcome12345',
    'welcome@1234',
    'changeme1234',
    'changeme123!',
    'administrator',
    'administrator1',
    'admin1234567',
    'adminadmin12',
    'superman1234',
    'trustno11234',
    'football1234',
    'baseball1234',
    'sunshine1234',
    'princess1234',
    'dragon123456',
    'monkey123456',
    'starwars1234',
    'whatever1234',
    'correcthorsebatterystaple',
    'correct horse battery staple',
    'vigilvigil12',
    'vigil1234567',
    'camera123456',
  ].map((p) => p.toLowerCase()),
);

export interface PolicyViolation {
  reason: 'too_short' | 'too_long' | 'too_common' | 'contains_email';
  message: string;
}

/** Checks a new password against the policy; undefined when it passes. */
export function checkPassword(password: string, email?: string): PolicyViolation | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return { reason: 'too_short', message: `the password must have at least ${MIN_PASSWORD_LENGTH} characters` };
  if (length > MAX_PASSWORD_LENGTH)
    return { reason: 'too_long', message: `the password must have at most ${MAX_PASSWORD_LENGTH} characters` };
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password))
    return { reason: 'too_common', message: 'the password is too common; choose another' };
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local))
    return { reason: 'contains_email', message: 'the password must not contain the email name' };
  return undefined;
}
