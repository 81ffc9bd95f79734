// Export (plain download links: the session's cookies ride along) and import of org units with
// their timelines, as CSV or JSON; an import can be checked first (dry run) and a refused one
// lists every problem by line.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError } from '../api/client';
import { exportUrl, importUnits, orgKeys } from '../api/org';
import type { ImportProblem, ImportSummary } from '../api/org';
import { formatDay } from '../org/dates';
import { countUnits, importContentType } from '../org/transfer';
import { ErrorNotice } from './ErrorNotice';

/** Problems shown in the table; the rest are counted. */
const SHOWN_PROBLEMS = 200;

function problemsOf(error: unknown): { problems: ImportProblem[]; total: number } | undefined {
  if (!(error instanceof ApiError) || error.code !== 'IMPORT_INVALID') return undefined;
  const problems = Array.isArray(error.details?.errors) ? (error.details.errors as ImportProblem[]) : [];
  const total = typeof error.details?.total === 'number' ? error.details.total : problems.length;
  return { problems, total };
}

export function OrgTransfer({ asOf, canWrite, onImported }: { asOf: string; canWrite: boolean; onImported: (message: string) => void }) {
  const id = useId();
  const client = useQueryClient();
  const fileInput = useRef<HTMLInputElement>(null);
  const [fileError, setFileError] = useState<string>();
  const [checked, setChecked] = useState<ImportSummary>();
  const run = useMutation({
    mutationFn: async ({ dryRun }: { dryRun: boolean }) => {
      const file = fileInput.current?.files?.[0];
      if (!file) throw new Error('no file');
      return importUnits(file, importContentType(file.name, file.type)!, dryRun);
    },
    onSuccess: async (summary) => {
      if (summary.dryRun) {
        setChecked(summary);
        return;
      }
      setChecked(undefined);
      if (fileInput.current) fileInput.current.value = '';
      await client.invalidateQueries({ queryKey: orgKeys.all });
      const codes = summary.codes.slice(0, 10).join(', ') + (summary.codes.length > 10 ? ', …' : '');
      onImported(`Imported ${countUnits(summary.units, summary.versions)}: ${codes}.`);
    },
  });

  function start(dryRun: boolean) {
    setChecked(undefined);
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setFileError('Choose a CSV or JSON file first.');
      fileInput.current?.focus();
      return;
    }
    if (!importContentType(file.name, file.type)) {
      setFileError('Choose a file ending in .csv or .json.');
      fileInput.current?.focus();
      return;
    }
    setFileError(undefined);
    run.mutate({ dryRun });
  }

  const refused = problemsOf(run.error);
  return (
    <section className="card stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Import and export</h2>
      <div>
        <h3>Export</h3>
        <p className="muted small">One row per version, in the format the import reads.</p>
        <ul className="list">
          <li>
            Every version of every unit (whole timelines):{' '}
            <a href={exportUrl('csv')} download>
              CSV
            </a>{' '}
            ·{' '}
            <a href={exportUrl('json')} download>
              JSON
            </a>
          </li>
          <li>
            The units in force on {formatDay(asOf)}:{' '}
            <a href={exportUrl('csv', asOf)} download aria-label={`CSV of the units in force on ${formatDay(asOf)}`}>
              CSV
            </a>{' '}
            ·{' '}
            <a href={exportUrl('json', asOf)} download aria-label={`JSON of the units in force on ${formatDay(asOf)}`}>
              JSON
            </a>
          </li>
        </ul>
      </div>
      {canWrite ? (
        <form
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            start(false);
          }}
          noValidate
        >
          <h3>Import</h3>
          <p className="muted small">
            Every row is checked before anything is written; if one is wrong, nothing is imported. New units only: codes already in use are
            refused.
          </p>
          <div className="field">
            <label htmlFor={`${id}-file`}>File to import (CSV or JSON)</label>
            <input
              ref={fileInput}
              id={`${id}-file`}
              type="file"
              accept=".csv,.json,text/csv,application/json"
              aria-invalid={fileError ? true : undefined}
              aria-describedby={fileError ? `${id}-file-error` : undefined}
              onChange={() => {
                setFileError(undefined);
                setChecked(undefined);
                run.reset();
              }}
            />
            {fileError ? (
              <p id={`${id}-file-error`} className="org-field-error">
                <span aria-hidden="true">⚠ </span>
                {fileError}
              </p>
            ) : null}
          </div>
          <div className="row">
            <button type="button" className="button secondary" disabled={run.isPending} onClick={() => start(true)}>
              Check the file
            </button>
            <button type="submit" className="button primary" disabled={run.isPending}>
              {run.isPending ? 'Working…' : 'Import'}
            </button>
          </div>
          {checked ? (
            <p className="notice notice-ok" role="status">
              <span aria-hidden="true">✓ </span>The file is valid: importing it would add {countUnits(checked.units, checked.versions)}.
              Nothing was written yet.
            </p>
          ) : null}
          <ErrorNotice error={run.error} />
          {refused && refused.problems.length > 0 ? (
            <div className="table-wrap org-problems">
              <table>
                <caption>
                  {refused.total} problem{refused.total === 1 ? '' : 's'}
                  {refused.total > Math.min(refused.problems.length, SHOWN_PROBLEMS)
                    ? ` (the first ${Math.min(refused.problems.length, SHOWN_PROBLEMS)} shown)`
                    : ''}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Field</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {refused.problems.slice(0, SHOWN_PROBLEMS).map((problem, index) => (
                    <tr key={index}>
                      <td>{problem.line}</td>
                      <td>{problem.field ?? '(the row)'}</td>
                      <td>{problem.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </form>
      ) : null}
    </section>
  );
}
