// Every answer an API test receives is checked against the OpenAPI document the app publishes: its
// status is documented for the operation, its content type is one the operation declares, its JSON
// body matches the declared schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), and it carries an
// X-Request-Id. The checks run in an onSend hook, so they see what inject() and real sockets get;
// `violations` is read when the test file stops its Vigil (helpers/app.ts), which then fails.
import type { FastifyInstance } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const DOC_ID = 'vigil-openapi';
/** Routes that tests add for themselves (`configure`), which document nothing about their answers. */
const TEST_ROUTES = /^\/test\//;

const pointer = (...tokens: string[]) => tokens.map((t) => encodeURIComponent(t.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

/** `/api/v1/cameras/:camera_id/start` → `/api/v1/cameras/{camera_id}/start`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export interface Conformance {
  readonly violations: string[];
  /** Answers checked so far (a test file that checks none proves nothing). */
  readonly checked: number;
}

export function installConformance(app: FastifyInstance): Conformance {
  const violations: string[] = [];
  let checked = 0;
  let doc: OpenApi | undefined;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();

  function validatorFor(...tokens: string[]): ValidateFunction {
    const ref = `${DOC_ID}#/${pointer(...tokens)}`;
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    return validate;
  }

  function check(method: string, routeUrl: string | undefined, status: number, contentType: string, payload: unknown, requestId: unknown) {
    const where = `${method} ${routeUrl ?? '(no route)'} → ${status}`;
    if (typeof requestId !== 'string' || requestId === '') violations.push(`${where}: no X-Request-Id`);
    if (!doc) {
      doc = app.swagger() as unknown as OpenApi;
      ajv.addSchema(doc, DOC_ID);
    }
    const path = routeUrl === undefined ? undefined : openApiPath(routeUrl);
    const operation = path === undefined ? undefined : doc.paths[path]?.[method.toLowerCase()];
    if (!operation) {
      // No route (404), or a route the document hides: errors must still have the unified shape.
      if (status >= 400) checkBody(where, ['components', 'schemas', 'ErrorResponse'], contentType, payload);
      return;
    }
    const responses = operation.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    if (key === undefined) {
      violations.push(`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`);
      return;
    }
    const content = responses[key]?.content;
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : undefined;
    if (!content) {
      // Node sends no body with a 204 or 304, whatever the handler gave.
      if (status !== 204 && status !== 304 && body !== undefined && body.length > 0)
        violations.push(`${where}: a body was sent but the ${key} answer documents none`);
      return;
    }
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    if (!(mediaType in content)) {
      violations.push(`${where}: content type ${mediaType || '(none)'} is not documented (${Object.keys(content).join(', ')})`);
      return;
    }
    if (mediaType === 'application/json' && content[mediaType]?.schema !== undefined) {
      checkBody(where, ['paths', path!, method.toLowerCase(), 'responses', key, 'content', mediaType, 'schema'], contentType, payload);
    }
  }

  function checkBody(where: string, tokens: string[], contentType: string, payload: unknown) {
    if (!contentType.startsWith('application/json')) {
      violations.push(`${where}: content type ${contentType || '(none)'}, expected application/json`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '');
    } catch {
      violations.push(`${where}: the body is not JSON`);
      return;
    }
    const validate = validatorFor(...tokens);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
      violations.push(`${where}: the body does not match its schema: ${errors.join('; ')}`);
    }
  }

  app.addHook('onSend', (request, reply, payload, done) => {
    const routeUrl = request.routeOptions.url;
    if (routeUrl !== undefined && TEST_ROUTES.test(routeUrl)) return done(null, payload);
    // Streams (none today) cannot be checked without consuming them.
    if (payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload)) return done(null, payload);
    checked++;
    try {
      check(
        request.method,
        routeUrl,
        reply.statusCode,
        String(reply.getHeader('content-type') ?? ''),
        payload,
        reply.getHeader('x-request-id'),
      );
    } catch (error) {
      violations.push(`${request.method} ${request.url}: the check itself failed: ${String(error)}`);
    }
    done(null, payload);
  });

  return {
    violations,
    get checked() {
      return checked;
    },
  };
}
