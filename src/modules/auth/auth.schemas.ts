import { Type } from '@sinclair/typebox';

const Email = Type.String({ minLength: 3, maxLength: 320, description: 'Case-insensitive.' });

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    mode: Type.Optional(
      Type.Union([Type.Literal('bearer'), Type.Literal('cookie')], {
        default: 'bearer',
        description:
          '`bearer` (default): the tokens are in the answer. `cookie`, for browsers: the tokens are set as httpOnly cookies and the answer carries only a CSRF token, to send as `X-CSRF-Token` on writes.',
      }),
    ),
  },
  { additionalProperties: false },
);

const RefreshToken = Type.String({ minLength: 10, maxLength: 200, description: 'The opaque token from login or the last refresh.' });

export const RefreshBody = Type.Object({ refreshToken: RefreshToken }, { additionalProperties: false });

export const CookieRefreshBody = Type.Object(
  {
    refreshToken: Type.Optional({
      ...RefreshToken,
      description: 'The opaque token from login or the last refresh. Omit it in cookie mode: the `vigil_refresh` cookie is used.',
    }),
  },
  { additionalProperties: false },
);

export const Grant = Type.Object(
  {
    role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer'), Type.Literal('detector')]),
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

/** `/api/auth/me`: the user, and what their grants let them do somewhere (for a page to show only what may be done). */
export const MeView = Type.Object(
  {
    ...UserView.properties,
    permissions: Type.Array(Type.String(), {
      description: 'The permissions any of the grants carries, on some unit or everywhere; the API still decides each request.',
    }),
  },
  { additionalProperties: false },
);

export const SessionResponse = Type.Object(
  {
    tokenType: Type.Union([Type.Literal('Bearer'), Type.Literal('Cookie')], {
      description: '`Bearer`: the tokens are here. `Cookie` (cookie mode): they are in httpOnly cookies, and `csrfToken` is here instead.',
    }),
    accessToken: Type.Optional(Type.String({ description: 'EdDSA JWT; send as `Authorization: Bearer <token>`. Bearer mode only.' })),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
    refreshToken: Type.Optional(
      Type.String({
        description: 'Opaque; exchange at /api/auth/refresh before it expires. Each use returns a new one. Bearer mode only.',
      }),
    ),
    refreshExpiresIn: Type.Integer({ description: 'Seconds until the session ends at the latest.' }),
    csrfToken: Type.Optional(
      Type.String({ description: 'Cookie mode only: send as `X-CSRF-Token` on every write; also in the readable `vigil_csrf` cookie.' }),
    ),
    user: Type.Ref(UserView),
  },
  { additionalProperties: false },
);

export const CsrfResponse = Type.Object({ csrfToken: Type.String() }, { additionalProperties: false });

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
