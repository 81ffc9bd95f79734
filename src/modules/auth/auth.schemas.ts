import { Type } from '@sinclair/typebox';

const Email = Type.String({ minLength: 3, maxLength: 320, description: 'Case-insensitive.' });

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 10, maxLength: 200, description: 'The opaque token from login or the last refresh.' }) },
  { additionalProperties: false },
);

export const Grant = Type.Object(
  {
    role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer')]),
    orgUnitCode: Type.Union([Type.String(), Type.Null()], { description: 'null: everywhere; a code: that unit and its subtree.' }),
  },
  { additionalProperties: false },
);

export const UserView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    displayName: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    grants: Type.Array(Grant),
  },
  { $id: 'User', additionalProperties: false },
);

export const TokenResponse = Type.Object(
  {
    accessToken: Type.String({ description: 'EdDSA JWT; send as `Authorization: Bearer <token>`.' }),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
    refreshToken: Type.String({ description: 'Opaque; exchange at /api/auth/refresh before it expires. Each use returns a new one.' }),
    refreshExpiresIn: Type.Integer({ description: 'Seconds until the session ends at the latest.' }),
    user: UserView,
  },
  { additionalProperties: false },
);

export const Jwks = Type.Object(
  { keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false, description: 'Public keys that verify access tokens (RFC 7517).' },
);

export const SessionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time', description: 'The latest moment the session can last.' }),
    ip: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean({ description: 'The session of the token making this request.' }),
  },
  { additionalProperties: false },
);

export const SessionList = Type.Object({ items: Type.Array(SessionView) }, { additionalProperties: false });
export const SessionParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
