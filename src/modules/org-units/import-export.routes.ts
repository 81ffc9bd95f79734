// Import and export of org units: CSV or JSON, one row per version. A plugin of its own, so that
// the text/csv body parser stays inside it.
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { parseDate } from '../../platform/dates.js';
import { actorOf } from '../../platform/http/request.js';
import { MAX_IMPORT_ROWS, TRANSFER_COLUMNS, rowsToCsv } from './import-export.service.js';
import type { ImportInput, OrgImportExport } from './import-export.service.js';
import type { OrgCaller } from './org-units.service.js';
import { DateString } from './org-units.schemas.js';

export interface ImportExportRouteDeps {
  transfer: OrgImportExport;
}

const BASE = '/api/v1/organization-units';

const Row = Type.Object(
  {
    code: Type.String(),
    name: Type.String(),
    unitType: Type.String(),
    parentCode: Type.Union([Type.String(), Type.Null()], { description: 'null: a root.' }),
    status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('INACTIVE')]),
    sortOrder: Type.Integer(),
    description: Type.Union([Type.String(), Type.Null()]),
    attributes: Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON object; in CSV, its JSON text.' }),
    effectiveDate: Type.String({ format: 'date', description: 'First day of the version.' }),
    endDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], {
      description: 'Last day of the version (inclusive); null: open.',
    }),
    changeReason: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false, description: 'One version of one unit.' },
);

const ROW_RULES =
  'One row per version. Required: `code`, `name`, `unitType`, `effectiveDate`. Optional: `parentCode` (absent/null: a root), `status` (ACTIVE), `sortOrder` (0), `description`, `attributes` ({}), `endDate` (inclusive; absent/null: open), `changeReason`. A unit’s versions must follow each other day by day (each `endDate` + 1 = the next `effectiveDate`), only the last open.';

const ImportJson = Type.Object(
  {
    versions: Type.Array(Type.Unknown(), {
      maxItems: MAX_IMPORT_ROWS,
      description: `Rows shaped like the export’s (checked here, problems reported by their 1-based index as \`line\`). ${ROW_RULES}`,
    }),
  },
  { additionalProperties: false },
);

const ImportCsv = Type.String({
  description: `RFC 4180 CSV, UTF-8, a header row naming the columns (${TRANSFER_COLUMNS.join(', ')}; any order, optional ones may be left out). \`attributes\` holds JSON text. An empty unquoted cell is null, \`""\` the empty string. ${ROW_RULES}`,
});

const ImportQuery = Type.Object(
  {
    dryRun: Type.Optional(
      Type.Boolean({ default: false, description: 'Check everything and report what would be imported, without writing anything.' }),
    ),
  },
  { additionalProperties: false },
);

const ImportSummary = Type.Object(
  {
    dryRun: Type.Boolean(),
    units: Type.Integer({ description: 'Units imported (or that would be).' }),
    versions: Type.Integer({ description: 'Versions imported (or that would be).' }),
    codes: Type.Array(Type.String(), { description: 'Their codes, in the order they first appear.' }),
  },
  { additionalProperties: false },
);

const ExportQuery = Type.Object(
  {
    asOf: Type.Optional(DateString('Only the version in force on this date, for each unit; default: every version (whole timelines).')),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json', description: '`json` (`{ versions: [...] }`) or `csv`.' }),
    ),
  },
  { additionalProperties: false },
);

const ExportJson = Type.Object({ versions: Type.Array(Row) }, { additionalProperties: false });

export const orgImportExportRoutes: FastifyPluginCallbackTypebox<ImportExportRouteDeps> = (app, { transfer }, done) => {
  // CSV bodies arrive as text, within the server's body limit; the service reads them.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, next) => next(null, body));

  /** Who asks: the scope policy in the service decides which units it may see and write. */
  const callerOf = (request: FastifyRequest): OrgCaller => ({ principal: request.principal!, actor: actorOf(request) });

  app.post(
    `${BASE}/import`,
    {
      // A dry run writes nothing and is not counted.
      config: {
        permission: 'org:write',
        temporalOperation: (request) => ((request.query as { dryRun?: unknown }).dryRun === true ? undefined : 'import'),
      },
      schema: {
        tags: ['org-units'],
        summary: 'Import org units with their timelines (CSV or JSON)',
        description: `Send \`Content-Type: text/csv\` or \`application/json\` (\`{ "versions": [...] }\`), in the format the export writes. Every row is checked before anything is written: fields, unit types, dates, each unit’s versions following each other, codes not yet taken, parents existing (in the import or already) on every day, no cycle and no branch deeper than the limit on any date. Then all of it is written in one transaction, one audit record \`org_unit.import\` per unit, or nothing. \`dryRun=true\` checks the same and writes nothing (200). Errors: 400 \`IMPORT_INVALID\` with \`details.errors\` [{ line, field, message }] (every problem, each of a row with several, up to 1000; \`details.total\` counts them); 403 \`FORBIDDEN\` when a unit would be a root or hang outside the caller’s units (only a global grant may import roots); 413 \`PAYLOAD_TOO_LARGE\`; 415 \`UNSUPPORTED_MEDIA_TYPE\`. Codes already in use are problems of the import (\`ORG_UNIT_EXISTS\`'s message on their line).`,
        querystring: ImportQuery,
        body: { content: { 'application/json': { schema: ImportJson }, 'text/csv': { schema: ImportCsv } } },
        response: { 200: ImportSummary, 201: ImportSummary },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input: ImportInput =
        typeof body === 'string' ? { format: 'csv', text: body } : { format: 'json', versions: (body as { versions: unknown[] }).versions };
      const dryRun = request.query.dryRun ?? false;
      const summary = await transfer.importUnits(callerOf(request), input, { dryRun });
      return reply.code(dryRun ? 200 : 201).send(summary);
    },
  );

  app.get(
    `${BASE}/export`,
    {
      config: { permission: 'org:read' },
      schema: {
        tags: ['org-units'],
        summary: 'Export org units with their timelines (CSV or JSON)',
        description:
          'Without `asOf`: every version of every unit, which imports into an empty Vigil as the same timelines. With `asOf`: the version in force on that date for each unit (its `endDate` as stored). Every row comes after a row of its parent in force on the row’s `effectiveDate` (with `asOf`: on that date): rows by `effectiveDate` (with `asOf`, all on that date), rows of one day by that day’s tree, parents first, siblings by code; each unit’s versions oldest first. Only units inside the caller’s grants (placed by today’s tree). `format=csv` answers `text/csv; charset=utf-8`; both formats come as an attachment `org-units-<asOf|all>.<csv|json>`. Errors: 400 `VALIDATION_FAILED` (e.g. an unknown `format`), `INVALID_DATE`.',
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The rows, in the format asked for.',
            content: {
              'application/json': { schema: ExportJson },
              'text/csv': { schema: Type.String({ description: `A header (${TRANSFER_COLUMNS.join(',')}) and one line per version.` }) },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const asOf = request.query.asOf === undefined ? undefined : parseDate(request.query.asOf, 'asOf');
      const rows = await transfer.exportUnits(callerOf(request), asOf !== undefined ? { asOf } : {});
      const format = request.query.format ?? 'json';
      void reply.header('content-disposition', `attachment; filename="org-units-${asOf ?? 'all'}.${format}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(rowsToCsv(rows));
      return reply.type('application/json; charset=utf-8').send({ versions: rows });
    },
  );

  done();
};
