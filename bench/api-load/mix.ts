// What the mixed-load scenario sends: 80% reads (one unit 40%, a department's subtree 20%, a
// camera's status 20%) and 20% writes (a new effective-dated version of a team, renaming it). Which
// request, unit and camera follow from the request's number alone, so both targets get the same
// sequence; the dates of the writes come from one counter across targets and trials, so that no two
// writes to a unit start on the same day (409 TEMPORAL_POINT_CONFLICT).
import type { RequestSpec } from '../targets.js';
import { CAMERA_BASE, ORG_BASE } from './targets.js';

export type Kind = 'unit' | 'subtree' | 'camera' | 'write';

/** Ten slots, in an order that spreads each kind over the cycle. */
const SLOTS: readonly Kind[] = ['unit', 'subtree', 'write', 'camera', 'unit', 'unit', 'camera', 'subtree', 'write', 'unit'];

export interface World {
  /** Every unit (reads of one unit). */
  units: readonly string[];
  /** Departments (subtree reads). */
  departments: readonly string[];
  /** Teams (writes). */
  teams: readonly string[];
  cameraIds: readonly string[];
}

/** Writes start on 2031-01-01 + n days, after every generated version (the last start in 2025). */
const WRITES_FROM = Date.UTC(2031, 0, 1);
const DAY_MS = 86_400_000;

export function kindOf(index: number): Kind {
  return SLOTS[index % SLOTS.length]!;
}

/** A well-spread pseudo-random pick from the request's number (Knuth's multiplicative hash). */
function pick<T>(list: readonly T[], index: number): T {
  return list[(Math.imul(index + 1, 2654435761) >>> 0) % list.length]!;
}

export function createMix(world: World) {
  let writes = 0;
  return {
    /** Writes sent so far (the counter behind their dates). */
    get writes() {
      return writes;
    },
    request(index: number, headers: Record<string, string>): { kind: Kind; spec: RequestSpec } {
      const kind = kindOf(index);
      switch (kind) {
        case 'unit':
          return { kind, spec: { method: 'GET', path: `${ORG_BASE}/${pick(world.units, index)}`, headers } };
        case 'subtree':
          return { kind, spec: { method: 'GET', path: `${ORG_BASE}/${pick(world.departments, index)}/tree`, headers } };
        case 'camera':
          return { kind, spec: { method: 'GET', path: `${CAMERA_BASE}/${pick(world.cameraIds, index)}/status`, headers } };
        case 'write': {
          const n = writes++;
          const team = world.teams[n % world.teams.length]!;
          const day = new Date(WRITES_FROM + Math.floor(n / world.teams.length) * DAY_MS).toISOString().slice(0, 10);
          const body = JSON.stringify({ effectiveDate: day, name: `Team renamed ${n}`, changeReason: 'mixed-load benchmark' });
          return {
            kind,
            spec: {
              method: 'POST',
              path: `${ORG_BASE}/${team}/versions`,
              headers: { ...headers, 'content-type': 'application/json' },
              body,
            },
          };
        }
      }
    },
  };
}
