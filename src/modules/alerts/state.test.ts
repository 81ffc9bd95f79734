import { describe, expect, it } from 'vitest';
import { step } from './state.js';
import type { SeriesState, Step, Timing } from './state.js';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1) + s * 1000);

/** Runs a series through rounds at the given seconds, with whether the condition holds at each. */
function run(rounds: [number, boolean][], timing: Timing) {
  let current: SeriesState | undefined;
  const notes: string[] = [];
  for (const [s, holds] of rounds) {
    const result: Step = step(current, holds, at(s), timing);
    if ('notify' in result && result.notify) notes.push(`${s}:${result.notify}`);
    if (result.kind === 'start' || result.kind === 'keep') current = result.next;
    else if (result.kind === 'forget' || result.kind === 'resolve') current = undefined;
  }
  return { notes, current };
}

describe('an alert series', () => {
  const timing = { forS: 30, keepFiringForS: 0, repeatIntervalS: 3600 };

  it('fires once the condition has held for `for`, and resolves when it stops', () => {
    const { notes, current } = run(
      [
        [0, true],
        [10, true],
        [29, true],
        [30, true],
        [40, true],
        [50, false],
        [60, false],
      ],
      timing,
    );
    expect(notes).toEqual(['30:firing', '50:resolved']);
    expect(current).toBeUndefined();
  });

  it('forgets a pending alert that stops holding, without a word', () => {
    const { notes } = run(
      [
        [0, true],
        [20, false],
        [25, true],
        [50, true],
        [55, true],
      ],
      timing,
    );
    expect(notes).toEqual(['55:firing']); // the clock restarted at 25
  });

  it('fires at once with `for: 0s`', () => {
    expect(run([[0, true]], { ...timing, forS: 0 }).notes).toEqual(['0:firing']);
  });

  it('keeps firing for `keepFiringFor` after the condition stops, and a flap inside it resolves nothing', () => {
    const keep = { ...timing, forS: 0, keepFiringForS: 60 };
    expect(
      run(
        [
          [0, true],
          [10, false],
          [40, true],
          [50, false],
          [100, false],
          [110, false],
        ],
        keep,
      ).notes,
    ).toEqual(['0:firing', '110:resolved']);
  });

  it('notifies again every repeat interval while firing', () => {
    const repeat = { ...timing, forS: 0, repeatIntervalS: 100 };
    const rounds: [number, boolean][] = [];
    for (let s = 0; s <= 350; s += 10) rounds.push([s, true]);
    expect(run(rounds, repeat).notes).toEqual(['0:firing', '100:repeat', '200:repeat', '300:repeat']);
  });

  it('writes nothing for a round that changed nothing', () => {
    const pending = step(undefined, true, at(0), timing);
    expect(pending.kind).toBe('start');
    const again = step((pending as { next: SeriesState }).next, true, at(5), timing);
    expect(again).toMatchObject({ kind: 'keep', changed: false, notify: null });
    expect(step(undefined, false, at(0), timing)).toEqual({ kind: 'none' });
  });
});
