import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { parseInstant } from '../../platform/dates.js';
import { PlatformErrors } from '../../platform/errors.js';
import { DEFAULT_LIMIT, Page } from '../../platform/http/pagination.js';
import { actorOf, ifMatchOf } from '../../platform/http/request.js';
import type { Alerting } from './alerting.js';
import {
  AlertListQuery,
  AlertParams,
  AlertView,
  RuleBody,
  RuleListQuery,
  RuleParams,
  RuleView,
  SilenceBody,
  SilenceListQuery,
  SilenceParams,
  SilenceView,
  TestResultView,
} from './alerts.schemas.js';
import type { AlertCaller } from './alerts.service.js';

export interface AlertRouteDeps {
  alerting: Pick<Alerting, 'service' | 'subscribe'>;
  /** Whether the service is draining (the live streams end then). */
  isShuttingDown: () => boolean;
}

const BASE = '/api/v1/alerts';
const HEARTBEAT_MS = 15_000;

const ifMatchHeader = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: "The rule's revision; a stale one answers 412 PRECONDITION_FAILED." })) },
  { additionalProperties: true },
);

export const alertRoutes: FastifyPluginCallbackTypebox<AlertRouteDeps> = (app, { alerting, isShuttingDown }, done) => {
  const { service } = alerting;
  const callerOf = (request: FastifyRequest): AlertCaller => ({ principal: request.principal!, actor: actorOf(request) });
  const streams = new Set<() => void>();
  app.addHook('onClose', () => {
    for (const end of streams) end();
  });

  app.post(
    `${BASE}/rules`,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary: 'Create an alert rule',
        description:
          'A rule watches the cameras of its scope (an org unit subtree, camera ids, camera labels) and raises an alert per camera while its condition holds for `for`. Channel secrets are sealed at rest and never returned. 400 `VALIDATION_FAILED` or `INVALID_ALERT_RULE` name the field. Audited as `alert_rule.create`.',
        body: RuleBody,
        response: { 201: Type.Ref(RuleView) },
      },
    },
    async (request, reply) => reply.code(201).send(await service.createRule(callerOf(request), request.body)),
  );

  app.get(
    `${BASE}/rules`,
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'List alert rules',
        description: 'Oldest first, cursor-paginated; only rules of units inside your grants (rules on no unit: global grants only).',
        querystring: RuleListQuery,
        response: { 200: Page(Type.Ref(RuleView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return service.listRules(callerOf(request), {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.orgUnitCode !== undefined ? { orgUnitCode: q.orgUnitCode } : {}),
        ...(q.enabled !== undefined ? { enabled: q.enabled } : {}),
      });
    },
  );

  app.get(
    `${BASE}/rules/:rule_id`,
    {
      config: { permission: 'alerts:read' },
      schema: { tags: ['alerts'], summary: 'One alert rule', params: RuleParams, response: { 200: Type.Ref(RuleView) } },
    },
    async (request, reply) => {
      const rule = await service.getRule(callerOf(request), request.params.rule_id);
      return reply.header('etag', `"${rule.revision}"`).send(rule);
    },
  );

  app.put(
    `${BASE}/rules/:rule_id`,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary: 'Replace an alert rule',
        description:
          'The whole rule, as for creating it (channels with their secrets again). Takes If-Match. Alerts whose labels change start a new series; the old ones resolve at the next round. Audited as `alert_rule.update`.',
        params: RuleParams,
        headers: ifMatchHeader,
        body: RuleBody,
        response: { 200: Type.Ref(RuleView) },
      },
    },
    async (request, reply) => {
      const rule = await service.updateRule(callerOf(request), request.params.rule_id, request.body, ifMatchOf(request));
      return reply.header('etag', `"${rule.revision}"`).send(rule);
    },
  );

  app.delete(
    `${BASE}/rules/:rule_id`,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary: 'Delete an alert rule',
        description:
          'Its alerts stay in the history; those still firing are resolved (and notified as resolved) at the next round. Takes If-Match. Audited as `alert_rule.delete`.',
        params: RuleParams,
        headers: ifMatchHeader,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await service.deleteRule(callerOf(request), request.params.rule_id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${BASE}/rules/:rule_id/test`,
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'Evaluate a rule now',
        description: 'Judges the rule on every camera of its scope now and answers what would fire; changes nothing and notifies no one.',
        params: RuleParams,
        response: { 200: TestResultView },
      },
    },
    async (request) => service.testRule(callerOf(request), request.params.rule_id),
  );

  app.get(
    BASE,
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'List alerts',
        description:
          'Active (pending, firing) and past (resolved) alerts, newest first by when their condition began to hold, cursor-paginated; only alerts of units inside your grants. Filters: state, severity, rule, camera, org unit subtree, time range (activeSince in [from, to)). Resolved alerts are kept VIGIL_ALERT_RETENTION_DAYS.',
        querystring: AlertListQuery,
        response: { 200: Page(Type.Ref(AlertView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return service.listAlerts(
        callerOf(request),
        {
          ...(q.state !== undefined ? { state: q.state } : {}),
          ...(q.severity !== undefined ? { severity: q.severity } : {}),
          ...(q.ruleId !== undefined ? { ruleId: q.ruleId } : {}),
          ...(q.cameraId !== undefined ? { cameraId: q.cameraId } : {}),
          ...(q.orgUnitCode !== undefined ? { orgUnitCode: q.orgUnitCode } : {}),
          ...(q.from !== undefined ? { from: parseInstant(q.from, 'from') } : {}),
          ...(q.to !== undefined ? { to: parseInstant(q.to, 'to') } : {}),
        },
        { limit: q.limit ?? DEFAULT_LIMIT, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) },
      );
    },
  );

  app.get(
    `${BASE}/stream`,
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'Alert changes as they happen (Server-Sent Events)',
        description:
          'Each change of an alert within your units (it fires, resolves, is acknowledged) as an `alert` event whose data is the alert (as in the list); a comment line every 15 s keeps the connection open. The stream ends when the service shuts down; reconnect then.',
        response: {
          200: { description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        },
      },
    },
    async (request, reply) => {
      const visible = await service.streamFilter(callerOf(request));
      if (isShuttingDown()) throw PlatformErrors.shuttingDown();
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-request-id': request.id,
        'x-content-type-options': 'nosniff',
      });
      raw.write(': connected\n\n');
      let ended = false;
      const unsubscribe = await alerting.subscribe((alert) => {
        if (!ended && visible(alert.orgUnitCode))
          raw.write(`event: alert\nid: ${alert.id}:${alert.revision}\ndata: ${JSON.stringify(alert)}\n\n`);
      });
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        streams.delete(end);
        void unsubscribe();
        raw.end();
      };
      streams.add(end);
      request.raw.on('close', end);
    },
  );

  app.get(
    `${BASE}/:alert_id`,
    {
      config: { permission: 'alerts:read' },
      schema: { tags: ['alerts'], summary: 'One alert', params: AlertParams, response: { 200: Type.Ref(AlertView) } },
    },
    async (request) => service.getAlert(callerOf(request), request.params.alert_id),
  );

  app.post(
    `${BASE}/:alert_id/ack`,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an alert',
        description: 'Records who acknowledged it and when; its state and notifications go on. Audited as `alert.ack`.',
        params: AlertParams,
        response: { 200: Type.Ref(AlertView) },
      },
    },
    async (request) => service.ack(callerOf(request), request.params.alert_id),
  );

  app.post(
    `${BASE}/silences`,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary: 'Create a silence',
        description:
          "Alerts whose labels match every matcher notify no one between startsAt and endsAt; their state goes on. A silence on a unit only silences that unit's subtree. 400 `INVALID_SILENCE` names the field. Audited as `silence.create`.",
        body: SilenceBody,
        response: { 201: Type.Ref(SilenceView) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const silence = await service.createSilence(callerOf(request), {
        matchers: b.matchers,
        endsAt: parseInstant(b.endsAt, 'endsAt'),
        comment: b.comment,
        ...(b.startsAt !== undefined ? { startsAt: parseInstant(b.startsAt, 'startsAt') } : {}),
        ...(b.orgUnitCode !== undefined ? { orgUnitCode: b.orgUnitCode } : {}),
      });
      return reply.code(201).send(silence);
    },
  );

  app.get(
    `${BASE}/silences`,
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'List silences',
        description: 'Newest first, cursor-paginated; filter by state (pending, active, expired).',
        querystring: SilenceListQuery,
        response: { 200: Page(Type.Ref(SilenceView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return service.listSilences(callerOf(request), {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.state !== undefined ? { state: q.state } : {}),
      });
    },
  );

  app.get(
    `${BASE}/silences/:silence_id`,
    {
      config: { permission: 'alerts:read' },
      schema: { tags: ['alerts'], summary: 'One silence', params: SilenceParams, response: { 200: Type.Ref(SilenceView) } },
    },
    async (request) => service.getSilence(callerOf(request), request.params.silence_id),
  );

  app.delete(
    `${BASE}/silences/:silence_id`,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary: 'End a silence',
        description: 'It ends now and stays listed as expired. Audited as `silence.expire`.',
        params: SilenceParams,
        response: { 200: Type.Ref(SilenceView) },
      },
    },
    async (request) => service.expireSilence(callerOf(request), request.params.silence_id),
  );

  done();
};
