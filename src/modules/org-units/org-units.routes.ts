import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, ifMatchOf } from '../../platform/http/request.js';
import { DEFAULT_LIMIT, Page } from '../../platform/http/pagination.js';
import {
  AsOfQuery,
  ChangesQuery,
  ChangesView,
  CodeParams,
  CorrectBody,
  CreateBody,
  ListQuery,
  OrgUnitView,
  StatusBody,
  TreeNodeView,
  TreeQuery,
  VersionBody,
  VersionList,
  VersionParams,
} from './org-units.schemas.js';
import type { OrgCaller, OrgService, OrgUnit } from './org-units.service.js';

export interface OrgRouteDeps {
  org: OrgService;
  maxDepth: number;
}

const BASE = '/api/v1/organization-units';

const ifMatchHeader = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: 'The unit\'s revision (`"3"`); a stale one answers 412 PRECONDITION_FAILED.' })) },
  { additionalProperties: true },
);

const withEtag = (reply: FastifyReply, unit: { revision: number }) => reply.header('etag', `"${unit.revision}"`);

export const orgUnitRoutes: FastifyPluginCallbackTypebox<OrgRouteDeps> = (app, { org, maxDepth }, done) => {
  /** Who asks: the scope policy in the service decides which units it may see and change. */
  const callerOf = (request: FastifyRequest): OrgCaller => ({ principal: request.principal!, actor: actorOf(request) });

  app.post(
    BASE,
    {
      config: { permission: 'org:write', temporalOperation: 'create' },
      schema: {
        tags: ['org-units'],
        summary: 'Create an org unit with its first version',
        description:
          'The code is the client’s (a documented pattern) or a generated 7-digit number. Audited as `org_unit.create`. Errors: 409 `ORG_UNIT_EXISTS`, `PARENT_NOT_VALID_AT_DATE`, `HIERARCHY_CYCLE`, `DEPTH_LIMIT_EXCEEDED`; 400 `UNKNOWN_UNIT_TYPE`, `INVALID_DATE`.',
        body: CreateBody,
        response: { 201: Type.Ref(OrgUnitView) },
      },
    },
    async (request, reply) => {
      const unit = await org.create(callerOf(request), request.body);
      return withEtag(reply.code(201), unit).send(unit);
    },
  );

  app.get(
    BASE,
    {
      config: { permission: 'org:read' },
      schema: {
        tags: ['org-units'],
        summary: 'List org units in force on a date',
        description: 'Ordered by code, cursor-paginated; only units inside the caller’s grants.',
        querystring: ListQuery,
        response: { 200: Page(Type.Ref(OrgUnitView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return org.list(callerOf(request), {
        asOf: q.asOf,
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.parentCode !== undefined ? { parentCode: q.parentCode } : {}),
        ...(q.roots !== undefined ? { roots: q.roots } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.unitType !== undefined ? { unitType: q.unitType } : {}),
        ...(q.q !== undefined ? { text: q.q } : {}),
      });
    },
  );

  app.get(
    `${BASE}/:code`,
    {
      config: { permission: 'org:read' },
      schema: {
        tags: ['org-units'],
        summary: 'One org unit as of a date',
        description:
          'The version in force on `asOf` (default today), with its place in the tree then. 404 `ORG_UNIT_NOT_FOUND` when it does not exist on that date.',
        params: CodeParams,
        querystring: AsOfQuery,
        response: { 200: Type.Ref(OrgUnitView) },
      },
    },
    async (request, reply) => {
      const unit = await org.get(callerOf(request), request.params.code, request.query.asOf);
      return withEtag(reply, unit).send(unit);
    },
  );

  app.get(
    `${BASE}/:code/versions`,
    {
      config: { permission: 'org:read' },
      schema: {
        tags: ['org-units'],
        summary: 'The whole timeline of an org unit',
        description: 'Every version, oldest first; `endDate` is inclusive, null for the last (open) one.',
        params: CodeParams,
        response: { 200: VersionList },
      },
    },
    async (request) => {
      return { items: await org.versions(callerOf(request), request.params.code) };
    },
  );

  app.post(
    `${BASE}/:code/versions`,
    {
      config: { permission: 'org:write', temporalOperation: 'insert_version' },
      schema: {
        tags: ['org-units'],
        summary: 'Add a change effective on a date',
        description:
          'Past or future: the timeline is re-cut around it, fields not given carry over. A new `parentCode` moves the unit. 409 `TEMPORAL_POINT_CONFLICT` when a version already starts that day. Audited as `org_unit.version_create`.',
        params: CodeParams,
        headers: ifMatchHeader,
        body: VersionBody,
        response: { 201: Type.Ref(OrgUnitView) },
      },
    },
    async (request, reply) => {
      const unit = await org.addVersion(callerOf(request), request.params.code, request.body, ifMatchOf(request));
      return withEtag(reply.code(201), unit).send(unit);
    },
  );

  app.put(
    `${BASE}/:code/versions/:effectiveDate`,
    {
      config: { permission: 'org:write', temporalOperation: 'correct_version' },
      schema: {
        tags: ['org-units'],
        summary: 'Correct a version without moving its dates',
        description:
          'Only the fields given change. 404 `VERSION_NOT_FOUND` when no version starts that day. Audited as `org_unit.version_update`.',
        params: VersionParams,
        headers: ifMatchHeader,
        body: CorrectBody,
        response: { 200: Type.Ref(OrgUnitView) },
      },
    },
    async (request, reply) => {
      const unit = await org.correctVersion(
        callerOf(request),
        request.params.code,
        request.params.effectiveDate,
        request.body,
        ifMatchOf(request),
      );
      return withEtag(reply, unit).send(unit);
    },
  );

  app.delete(
    `${BASE}/:code/versions/:effectiveDate`,
    {
      config: { permission: 'org:write', temporalOperation: 'delete_version' },
      schema: {
        tags: ['org-units'],
        summary: 'Remove a version',
        description:
          'The previous version extends over the gap. The first version cannot be removed while later ones exist (409 `CANNOT_DELETE_FIRST_VERSION`); removing the only one removes the unit, unless it was ever a parent (409 `HAS_CHILDREN`). Answers the timeline left. Audited.',
        params: VersionParams,
        headers: ifMatchHeader,
        response: { 200: VersionList },
      },
    },
    async (request) => {
      return { items: await org.removeVersion(callerOf(request), request.params.code, request.params.effectiveDate, ifMatchOf(request)) };
    },
  );

  for (const action of ['suspend', 'reactivate'] as const) {
    app.post(
      `${BASE}/:code/${action}`,
      {
        config: { permission: 'org:write', temporalOperation: action },
        schema: {
          tags: ['org-units'],
          summary: action === 'suspend' ? 'Suspend an org unit from a date' : 'Reactivate an org unit from a date',
          description:
            action === 'suspend'
              ? 'Status INACTIVE from that date on (every later version too). With active children on that date: 409 `HAS_ACTIVE_CHILDREN`, unless `cascade: true` suspends the whole subtree in the same transaction (each unit audited).'
              : 'Status ACTIVE from that date on (every later version too); `cascade: true` reactivates the subtree as well.',
          params: CodeParams,
          headers: ifMatchHeader,
          body: StatusBody,
          response: { 200: Type.Ref(OrgUnitView) },
        },
      },
      async (request, reply) => {
        const unit = await org[action](callerOf(request), request.params.code, request.body, ifMatchOf(request));
        return withEtag(reply, unit).send(unit);
      },
    );
  }

  app.get(
    `${BASE}/:code/tree`,
    {
      config: { permission: 'org:read' },
      schema: {
        tags: ['org-units'],
        summary: 'The subtree of an org unit as of a date',
        description: 'Nested `children`, ordered by sort order then code.',
        params: CodeParams,
        querystring: TreeQuery,
        response: { 200: Type.Ref(TreeNodeView) },
      },
    },
    async (request, reply) => {
      const json = await org.tree(callerOf(request), request.params.code, request.query.asOf, request.query.depth ?? maxDepth);
      // The service writes the JSON text itself (tree-json.ts: several times cheaper than building
      // the nodes and serializing them on a 10,000-unit tree); Fastify sends a Buffer as it is, and
      // the schema still documents the answer.
      return reply.type('application/json; charset=utf-8').send(json as unknown as Static<typeof TreeNodeView>);
    },
  );

  app.get(
    `${BASE}/:code/changes`,
    {
      config: { permission: 'org:read' },
      schema: {
        tags: ['org-units'],
        summary: 'What changed in a unit and its subtree in a period',
        description: 'Versions starting between `from` and `to` (inclusive), with the fields that changed. For reports.',
        params: CodeParams,
        querystring: ChangesQuery,
        response: { 200: ChangesView },
      },
    },
    async (request) => {
      return { items: await org.changes(callerOf(request), request.params.code, request.query.from, request.query.to) };
    },
  );

  done();
};

export type { OrgUnit };
