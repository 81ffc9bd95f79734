// The users administration API: what `vigil users` does, over HTTP, for the admin page. Each handler
// parses, names the caller and calls one function of the users service, which holds the caller to
// its units (users outside them are 404 USER_NOT_FOUND) and audits every change.
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DEFAULT_LIMIT, Page } from '../../platform/http/pagination.js';
import { actorOf, ifMatchOf } from '../../platform/http/request.js';
import {
  GrantsBody,
  IfMatchHeader,
  NewUserBody,
  ResetPasswordBody,
  UserListQuery,
  UserParams,
  UserPatchBody,
  UserRecord,
  UserWithPassword,
} from './users.schemas.js';
import type { User, UserCaller, UsersService } from './users.service.js';

export interface UserRouteDeps {
  users: UsersService;
  /** Drops this process's cached principals: a change to a user (disabled, new grants) holds at once here. */
  forget: () => void;
}

const BASE = '/api/v1/users';
const SCOPE =
  'An admin whose grants are on units sees and manages only the users whose grants all lie inside those units; others answer 404 `USER_NOT_FOUND`.';

const callerOf = (request: FastifyRequest): UserCaller => ({ actor: actorOf(request), principal: request.principal! });
const withEtag = (reply: FastifyReply, user: User) => reply.header('etag', `"${user.revision}"`).send(user);
/** A reset that generates the password may send no body at all: validate it as `{}`. */
const emptyBodyAsObject = (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
  request.body ??= {};
  done();
};

export const userRoutes: FastifyPluginCallbackTypebox<UserRouteDeps> = (app, { users, forget }, done) => {
  app.get(
    BASE,
    {
      config: { permission: 'users:read' },
      schema: {
        tags: ['users'],
        summary: 'List users',
        description: `In email order, cursor-paginated, with their grants. Filters: \`q\` (a part of the email or the name) and \`disabled\`. ${SCOPE}`,
        querystring: UserListQuery,
        response: { 200: Page(Type.Ref(UserRecord)) },
      },
    },
    async (request) => {
      const q = request.query;
      return users.list(
        {
          limit: q.limit ?? DEFAULT_LIMIT,
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          ...(q.q !== undefined ? { text: q.q } : {}),
          ...(q.disabled !== undefined ? { status: q.disabled ? 'disabled' : 'active' } : {}),
        },
        callerOf(request),
      );
    },
  );

  app.post(
    BASE,
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        description:
          'With their grants (`[]` for none; an admin whose grants are on units must give at least one, inside them, else 403 `FORBIDDEN`). Without `password`, a strong one is generated and answered once as `generatedPassword`; Vigil keeps only its argon2id hash. 400 `INVALID_EMAIL`, `WEAK_PASSWORD`, `INVALID_ORG_UNIT_CODE`; 409 `EMAIL_TAKEN`. Audited as `user.create` and one `user.grant` per grant, never with the password.',
        body: NewUserBody,
        response: { 201: UserWithPassword },
      },
    },
    async (request, reply) => {
      const { email, name, password, grants } = request.body;
      const created = await users.create(
        {
          email,
          grants,
          ...(name !== undefined ? { displayName: name } : {}),
          ...(password !== undefined ? { password } : {}),
        },
        callerOf(request),
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    `${BASE}/:user_id`,
    {
      config: { permission: 'users:read' },
      schema: {
        tags: ['users'],
        summary: 'One user',
        description: `With their grants; the ETag is the revision. Never a password or its hash. ${SCOPE}`,
        params: UserParams,
        response: { 200: Type.Ref(UserRecord) },
      },
    },
    async (request, reply) => withEtag(reply, await users.get(request.params.user_id, callerOf(request))),
  );

  app.patch(
    `${BASE}/:user_id`,
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: 'Rename, disable or enable a user',
        description: `\`disabled: true\` refuses the user's sign-ins and ends every session of theirs: their refresh tokens and access tokens stop working (at once on this process, within 5 s on the others). You cannot disable yourself (409 \`CANNOT_DISABLE_SELF\`). Takes If-Match. Audited as \`user.update\` (name), \`user.disable\`, \`user.enable\`. ${SCOPE}`,
        params: UserParams,
        headers: IfMatchHeader,
        body: UserPatchBody,
        response: { 200: Type.Ref(UserRecord) },
      },
    },
    async (request, reply) => {
      const { name, disabled } = request.body;
      const user = await users.update(
        request.params.user_id,
        {
          ...(name !== undefined ? { displayName: name } : {}),
          ...(disabled !== undefined ? { status: disabled ? 'disabled' : 'active' } : {}),
        },
        callerOf(request),
        ifMatchOf(request),
      );
      forget();
      return withEtag(reply, user);
    },
  );

  app.put(
    `${BASE}/:user_id/grants`,
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: "Replace a user's grants",
        description: `The user holds exactly \`grants\` afterwards. An admin whose grants are on units may grant only inside them, and must leave at least one grant (else 403 \`FORBIDDEN\`); only an admin whose grant is global may give a global grant. You cannot remove your own last admin grant (409 \`CANNOT_REMOVE_OWN_ADMIN\`). The change holds at once on this process and within 5 s on the others. Takes If-Match. Audited as one \`user.grant\` or \`user.revoke\` per grant added or removed. ${SCOPE}`,
        params: UserParams,
        headers: IfMatchHeader,
        body: GrantsBody,
        response: { 200: Type.Ref(UserRecord) },
      },
    },
    async (request, reply) => {
      const user = await users.setGrants(request.params.user_id, request.body.grants, callerOf(request), ifMatchOf(request));
      forget();
      return withEtag(reply, user);
    },
  );

  app.post(
    `${BASE}/:user_id/reset-password`,
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: "Reset a user's password",
        description: `Sets \`password\`, or without one a generated password answered once as \`generatedPassword\`. 400 \`WEAK_PASSWORD\`. Like \`vigil users reset-password\`, it leaves the user's open sessions open: disable the user to end them. Audited as \`user.reset_password\`, never with the password. ${SCOPE}`,
        params: UserParams,
        body: ResetPasswordBody,
        response: { 200: UserWithPassword },
      },
      preValidation: emptyBodyAsObject,
    },
    async (request) => users.resetPassword(request.params.user_id, request.body.password, callerOf(request)),
  );

  done();
};
