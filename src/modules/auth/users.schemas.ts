import { Type } from '@sinclair/typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { Grant } from './auth.schemas.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer'), Type.Literal('detector')]);

/** A user as the admin API shows it: the signed-in view, with its revision and times. */
export const UserRecord = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    displayName: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    grants: Type.Array(Grant),
    revision: Type.Integer({ description: 'Moves at every change (grants included); send it as `If-Match` to write safely.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'UserRecord', additionalProperties: false },
);

const GrantInput = Type.Object(
  {
    role: Role,
    orgUnitCode: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
        description: 'Omitted or null: everywhere (only an admin whose grant is global may give one); a code: that unit and its subtree.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Grants = Type.Array(GrantInput, { maxItems: 100, description: 'Duplicates count once.' });

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'The name shown for the user.' });

const Password = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'At least 12 characters, not a common password, not containing the email name (else 400 `WEAK_PASSWORD`).',
});

export const NewUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, description: 'Unique whatever its case.' }),
    name: Type.Optional({ ...Name, description: 'Omitted: the part of the email before the @.' }),
    password: Type.Optional({ ...Password, description: `${Password.description} Omitted: one is generated and answered once.` }),
    grants: Grants,
  },
  { additionalProperties: false },
);

export const UserPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    disabled: Type.Optional(
      Type.Boolean({
        description:
          '`true`: the user can no longer sign in, and every session of theirs ends (their tokens stop working); `false`: they may sign in again.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GrantsBody = Type.Object({ grants: Grants }, { additionalProperties: false });

export const ResetPasswordBody = Type.Object(
  { password: Type.Optional({ ...Password, description: `${Password.description} Omitted: one is generated and answered once.` }) },
  { additionalProperties: false },
);

export const UserWithPassword = Type.Object(
  {
    user: Type.Ref(UserRecord),
    generatedPassword: Type.Optional(
      Type.String({ description: 'Only when no password was sent: the one Vigil generated, shown this once and stored only hashed.' }),
    ),
  },
  { additionalProperties: false },
);

export const UserParams = Type.Object({ user_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const UserListQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ maxLength: 200, description: 'A part of the email or the name, whatever its case.' })),
    disabled: Type.Optional(Type.Boolean({ description: '`true`: disabled users only; `false`: active users only.' })),
  },
  { additionalProperties: false },
);

export const IfMatchHeader = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: "The user's revision; a stale one answers 412 PRECONDITION_FAILED." })) },
  { additionalProperties: true },
);
