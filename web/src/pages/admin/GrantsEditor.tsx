// Rows of a role and a unit (empty: everywhere) to add, change and remove; the state is the pure
// reducer of grants.ts, held by the form that sends it.
import type { Dispatch } from 'react';
import type { Role } from '../../api/types';
import type { GrantsAction, GrantsState } from './grants';
import { MAX_GRANTS, ROLE_HINTS, ROLES } from './grants';

export const UNITS_LIST_ID = 'admin-unit-options';

export function GrantsEditor({
  state,
  dispatch,
  problems,
  idPrefix,
  disabled = false,
  plain = false,
}: {
  state: GrantsState;
  dispatch: Dispatch<GrantsAction>;
  problems: ReadonlyMap<number, string>;
  /** Keeps the fields' ids apart when two editors are on one page. */
  idPrefix: string;
  disabled?: boolean;
  /** Inside a card titled "Grants": no frame, and the legend for screen readers only. */
  plain?: boolean;
}) {
  return (
    <fieldset className={plain ? 'grants-editor grants-editor-plain' : 'grants-editor'} disabled={disabled}>
      <legend className={plain ? 'admin-sr-only' : undefined}>Grants</legend>
      <p className="muted small">A role on a unit holds in that unit and everything under it; leave the unit empty for everywhere.</p>
      {state.rows.length === 0 ? (
        <p className="notice notice-warn small">No grants: this user can sign in but will see nothing.</p>
      ) : (
        <ol className="grant-rows">
          {state.rows.map((row, index) => {
            const id = `${idPrefix}-grant-${row.key}`;
            const problem = problems.get(row.key);
            return (
              <li key={row.key} className="grant-row">
                <div className="field">
                  <label htmlFor={`${id}-role`}>
                    Role<span className="admin-sr-only"> of grant {index + 1}</span>
                  </label>
                  <select
                    id={`${id}-role`}
                    value={row.role}
                    aria-describedby={`${id}-hint`}
                    onChange={(event) => dispatch({ type: 'change', key: row.key, role: event.target.value as Role })}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                  <span id={`${id}-hint`} className="muted small">
                    {ROLE_HINTS[row.role]}
                  </span>
                </div>
                <div className="field">
                  <label htmlFor={`${id}-unit`}>
                    Unit<span className="admin-sr-only"> of grant {index + 1}</span>
                  </label>
                  <input
                    id={`${id}-unit`}
                    value={row.unit}
                    list={UNITS_LIST_ID}
                    placeholder="everywhere"
                    autoComplete="off"
                    spellCheck={false}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={problem ? `${id}-problem` : undefined}
                    onChange={(event) => dispatch({ type: 'change', key: row.key, unit: event.target.value })}
                  />
                  {problem ? (
                    <span id={`${id}-problem`} className="field-problem">
                      {problem}
                    </span>
                  ) : null}
                </div>
                <button type="button" className="button secondary grant-remove" onClick={() => dispatch({ type: 'remove', key: row.key })}>
                  Remove<span className="admin-sr-only"> grant {index + 1}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <button
        type="button"
        className="button secondary"
        disabled={state.rows.length >= MAX_GRANTS}
        onClick={() => dispatch({ type: 'add' })}
      >
        Add a grant
      </button>
    </fieldset>
  );
}
