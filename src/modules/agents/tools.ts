// The tools an agent's model may call: reads of Vigil's own data, each run with the rights of the
// person chatting (their principal goes to the owning module's service, which answers only what
// their grants reach), never the agent's or an admin's. Arguments are checked against the tool's
// schema; a result is JSON text cut to MAX_RESULT_CHARS so that one call cannot flood the model.
import { Type } from '@sinclair/typebox';
import type { Static, TObject } from '@sinclair/typebox';
import type { Actor } from '../../platform/audit.js';
import { AppError } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/access.js';
import { createChecker } from '../../platform/validate.js';

export const MAX_RESULT_CHARS = 8_000;
const MAX_ITEMS = 50;

/** Who the tool acts for: the person chatting. */
export interface ToolCaller {
  principal: Principal;
  actor: Actor;
}

const limit = Type.Optional(
  Type.Integer({ minimum: 1, maximum: MAX_ITEMS, description: `At most this many items (default 20, max ${MAX_ITEMS}).` }),
);
const since = Type.Optional(Type.String({ format: 'date-time', description: 'Only since this instant (ISO 8601).' }));
const unit = Type.Optional(Type.String({ maxLength: 64, description: 'Only this org unit and the units under it (its code).' }));

const SCHEMAS = {
  list_cameras: Type.Object(
    {
      text: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the camera name.' })),
      orgUnitCode: unit,
      state: Type.Optional(
        Type.Union(
          (['stopped', 'starting', 'running', 'degraded', 'reconnecting', 'error', 'deactivated'] as const).map((s) => Type.Literal(s)),
        ),
      ),
      label: Type.Optional(Type.String({ maxLength: 64 })),
      limit,
    },
    { additionalProperties: false },
  ),
  camera_status: Type.Object({ cameraId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
  camera_log: Type.Object({ cameraId: Type.String({ format: 'uuid' }), since, limit }, { additionalProperties: false }),
  list_alerts: Type.Object(
    {
      state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')])),
      orgUnitCode: unit,
      since,
      limit,
    },
    { additionalProperties: false },
  ),
  list_events: Type.Object(
    {
      type: Type.Optional(Type.String({ maxLength: 64 })),
      status: Type.Optional(Type.Union((['pending', 'confirmed', 'false_positive', 'resolved'] as const).map((s) => Type.Literal(s)))),
      orgUnitCode: unit,
      cameraId: Type.Optional(Type.String({ format: 'uuid' })),
      since,
      limit,
    },
    { additionalProperties: false },
  ),
  event_stats: Type.Object(
    {
      groupBy: Type.Union([Type.Literal('type'), Type.Literal('camera'), Type.Literal('unit'), Type.Literal('day')]),
      type: Type.Optional(Type.String({ maxLength: 64 })),
      orgUnitCode: unit,
      since,
    },
    { additionalProperties: false },
  ),
  org_units: Type.Object(
    {
      asOf: Type.Optional(
        Type.String({ format: 'date', description: 'The tree as it was (or will be) on this day, YYYY-MM-DD; default today.' }),
      ),
      parentCode: Type.Optional(Type.String({ maxLength: 64, description: 'Only the children of this unit.' })),
      text: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the unit name or code.' })),
      limit,
    },
    { additionalProperties: false },
  ),
} satisfies Record<string, TObject>;

export type ToolName = keyof typeof SCHEMAS;
export const TOOL_NAMES = Object.keys(SCHEMAS) as ToolName[];
export type ToolArgs<N extends ToolName> = Static<(typeof SCHEMAS)[N]>;

const DESCRIPTIONS: Record<ToolName, string> = {
  list_cameras:
    'List cameras the user may see, with their unit, labels and whether they are active; filter by name words, unit, state or label.',
  camera_status: "A camera's live status: state, frames per second, reconnects, last frame time and last error.",
  camera_log: "A camera's recent log: state changes, errors and reconnects, newest first.",
  list_alerts: 'Alerts the user may see, newest first: pending, firing or resolved, with their rule, camera, severity and times.',
  list_events: 'Detection events (what detectors reported about cameras), newest first, with their review status.',
  event_stats: 'Counts of detection events per type, camera, unit or day, each split by review status.',
  org_units: 'Org units (sites, departments) the user may see as of a day, with their parent, type and status.',
};

/** The tools as the chat-completions API takes them. */
export function toolDefinitions(names: readonly string[]) {
  return names
    .filter((name): name is ToolName => name in SCHEMAS)
    .map((name) => ({
      type: 'function' as const,
      function: { name, description: DESCRIPTIONS[name], parameters: SCHEMAS[name] },
    }));
}

/** What each tool reads, given by main.ts from the owning modules; each answers only what the caller may see. */
export type ToolDeps = { [N in ToolName]: (caller: ToolCaller, args: ToolArgs<N>) => Promise<unknown> };

const checkers = Object.fromEntries(TOOL_NAMES.map((name) => [name, createChecker(SCHEMAS[name], 'arguments')])) as {
  [N in ToolName]: ReturnType<typeof createChecker<(typeof SCHEMAS)[N]>>;
};

/** JSON text of `value`, cut to MAX_RESULT_CHARS with a note when cut. */
export function bounded(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}… (cut: the full answer has ${text.length} characters; ask for fewer items)`;
}

export interface ToolOutcome {
  /** JSON text for the model (bounded). */
  result: string | null;
  error: string | null;
}

/** Runs tool `name` with the model's `argumentsText` for `caller`; any failure is an answer the model can read, not a throw. */
export async function runTool(
  deps: ToolDeps,
  allowed: readonly string[],
  caller: ToolCaller,
  name: string,
  argumentsText: string,
): Promise<ToolOutcome> {
  if (!allowed.includes(name) || !(name in SCHEMAS)) return { result: null, error: `no tool named ${name} is available` };
  let args: unknown;
  try {
    args = argumentsText.trim() === '' ? {} : JSON.parse(argumentsText);
  } catch {
    return { result: null, error: 'the arguments are not valid JSON' };
  }
  const tool = name as ToolName;
  const checked = checkers[tool](args);
  if (!checked.ok) return { result: null, error: checked.error.message };
  try {
    const run = deps[tool] as (caller: ToolCaller, args: unknown) => Promise<unknown>;
    return { result: bounded(await run(caller, checked.value)), error: null };
  } catch (error) {
    // A not-found, a bad date, a refusal: the model reads the message. Anything else stays inside.
    if (error instanceof AppError && error.status < 500) return { result: null, error: `${error.code}: ${error.message}` };
    throw error;
  }
}

export const TOOL_LIMIT_DEFAULT = 20;
