import { Type } from '@sinclair/typebox';
import { PageQuery } from '../../platform/http/pagination.js';

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
export const DateString = (description: string) => Type.String({ pattern: DATE_PATTERN, description, examples: ['2026-03-01'] });
const Code = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Letters, digits, `_ . -`; up to 64.' });
const Status = Type.Union([Type.Literal('ACTIVE'), Type.Literal('INACTIVE')]);
const UnitType = Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,39}$', description: 'One of VIGIL_ORG_UNIT_TYPES.' });
const Attributes = Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form JSON object.' });
const Reason = Type.String({ minLength: 1, maxLength: 500 });

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  unitType: UnitType,
  parentCode: Type.Union([Code, Type.Null()], { description: 'null: a root (an organization).' }),
  status: Status,
  sortOrder: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }),
  description: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  attributes: Attributes,
};

export const CreateBody = Type.Object(
  {
    code: Type.Optional({ ...Code, description: 'Optional: a 7-digit code is generated when omitted.' }),
    name: fields.name,
    unitType: fields.unitType,
    parentCode: Type.Optional(fields.parentCode),
    status: Type.Optional(fields.status),
    sortOrder: Type.Optional(fields.sortOrder),
    description: Type.Optional(fields.description),
    attributes: Type.Optional(fields.attributes),
    effectiveDate: Type.Optional(DateString('First day the unit exists; default today (VIGIL_TIMEZONE).')),
    changeReason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

const changeFields = {
  name: Type.Optional(fields.name),
  unitType: Type.Optional(fields.unitType),
  parentCode: Type.Optional({ ...fields.parentCode, description: 'A new parent moves the unit (and its subtree) from that date.' }),
  status: Type.Optional(fields.status),
  sortOrder: Type.Optional(fields.sortOrder),
  description: Type.Optional(fields.description),
  attributes: Type.Optional(fields.attributes),
  changeReason: Type.Optional(Reason),
};

export const VersionBody = Type.Object(
  { effectiveDate: DateString('First day the change is in force (past or future).'), ...changeFields },
  { additionalProperties: false, description: 'Fields not given are carried over from the version in force on that date.' },
);

export const CorrectBody = Type.Object(changeFields, {
  additionalProperties: false,
  minProperties: 1,
  description: 'The fields to correct; the others and the dates stay as they are.',
});

export const StatusBody = Type.Object(
  {
    effectiveDate: DateString('First day of the new status.'),
    reason: Reason,
    cascade: Type.Optional(Type.Boolean({ default: false, description: 'Apply to the whole subtree (as of that date) too.' })),
  },
  { additionalProperties: false },
);

const unitFields = {
  code: Type.String(),
  name: Type.String(),
  unitType: Type.String(),
  parentCode: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  sortOrder: Type.Integer(),
  description: Type.Union([Type.String(), Type.Null()]),
  attributes: Attributes,
  effectiveDate: Type.String({ format: 'date', description: 'First day of this version (inclusive).' }),
  endDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Last day of this version (inclusive); null: open.' }),
  changeReason: Type.Union([Type.String(), Type.Null()]),
  revision: Type.Integer({ description: "The unit's revision, for If-Match." }),
};

export const OrgUnitView = Type.Object(
  {
    ...unitFields,
    codePath: Type.Array(Type.String(), { description: 'Codes from the root down to this unit, on the date asked.' }),
    namePath: Type.Array(Type.String()),
    level: Type.Integer({ description: 'A root is level 1.' }),
    hasScheduledChanges: Type.Boolean({ description: 'Whether versions after this date exist.' }),
  },
  { $id: 'OrgUnit', additionalProperties: false },
);

export const VersionView = Type.Object(
  {
    ...unitFields,
    changedBy: Type.Union([Type.String(), Type.Null()]),
    changedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'OrgUnitVersion', additionalProperties: false },
);

export const TreeNodeView = Type.Recursive(
  (Self) =>
    Type.Object(
      {
        ...OrgUnitView.properties,
        children: Type.Array(Self),
      },
      { additionalProperties: false },
    ),
  { $id: 'OrgUnitTree' },
);

export const CodeParams = Type.Object({ code: Code }, { additionalProperties: false });
export const VersionParams = Type.Object(
  { code: Code, effectiveDate: DateString('The first day of the version.') },
  { additionalProperties: false },
);

export const AsOfQuery = Type.Object(
  { asOf: Type.Optional(DateString('The date to answer for; default today (VIGIL_TIMEZONE).')) },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    asOf: Type.Optional(DateString('The date to answer for; default today (VIGIL_TIMEZONE).')),
    parentCode: Type.Optional({ ...Code, description: 'Only the children of this unit.' }),
    roots: Type.Optional(Type.Boolean({ description: 'Only roots (organizations).' })),
    status: Type.Optional(Status),
    unitType: Type.Optional(UnitType),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Text in the name or code, case-insensitive.' })),
  },
  { additionalProperties: false },
);

export const TreeQuery = Type.Object(
  {
    asOf: Type.Optional(DateString('The date to answer for; default today (VIGIL_TIMEZONE).')),
    depth: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, description: 'Levels to include, the unit itself being 1; default all.' }),
    ),
  },
  { additionalProperties: false },
);

export const ChangesQuery = Type.Object(
  { from: DateString('First day of the period (inclusive).'), to: DateString('Last day of the period (inclusive).') },
  { additionalProperties: false },
);

const FieldChange = Type.Object({ from: Type.Unknown(), to: Type.Unknown() }, { additionalProperties: false });

export const ChangesView = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          code: Type.String(),
          effectiveDate: Type.String({ format: 'date' }),
          kind: Type.Union([Type.Literal('created'), Type.Literal('changed')]),
          changes: Type.Record(Type.String(), FieldChange),
          changeReason: Type.Union([Type.String(), Type.Null()]),
          changedBy: Type.Union([Type.String(), Type.Null()]),
          changedAt: Type.String({ format: 'date-time' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const VersionList = Type.Object({ items: Type.Array(Type.Ref(VersionView)) }, { additionalProperties: false });
