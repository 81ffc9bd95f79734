// API keys for machines: the list (name and prefix, role, unit, created, last used, expiry, state),
// creating one (the key shown once with a copy button), and revoking one after a confirmation.
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { ApiKey } from '../../api/admin';
import { apiKeysKey, createApiKey, peopleKeys, revokeApiKey, useApiKeys } from '../../api/admin';
import type { Role } from '../../api/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/Pager';
import { formatDateTime, relativeTime } from '../../format';
import { useSession } from '../../session';
import { ConfirmDialog } from './ConfirmDialog';
import { UNITS_LIST_ID } from './GrantsEditor';
import { ROLE_HINTS, ROLES, UNIT_CODE } from './grants';
import { ShownOnce } from './ShownOnce';

export function ApiKeysSection() {
  const session = useSession();
  const client = useQueryClient();
  const writer = session.can('users:write');
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ key: string; apiKey: ApiKey } | undefined>();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const keys = useApiKeys(includeRevoked);
  const items = keys.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="stack" aria-labelledby="keys-title">
      <div className="row admin-section-head">
        <h2 id="keys-title">API keys</h2>
        {writer && !creating ? (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New API key
          </button>
        ) : null}
      </div>
      <p className="muted">
        Keys let machines (scripts, CI, Prometheus, detectors) call the API with <code>Authorization: Bearer vgl_…</code>. Each carries one
        role, everywhere or on one unit.
      </p>

      {created ? (
        <ShownOnce title={`New API key “${created.apiKey.name}”`} label="API key" secret={created.key} onDone={() => setCreated(undefined)}>
          <p>
            Role <strong>{created.apiKey.role}</strong> {created.apiKey.orgUnitCode ? `on ${created.apiKey.orgUnitCode}` : 'everywhere'}
            {created.apiKey.expiresAt ? `, until ${formatDateTime(created.apiKey.expiresAt)}` : ', no expiry'}.
          </p>
        </ShownOnce>
      ) : null}

      {creating ? (
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(result) => {
            setCreating(false);
            setCreated(result);
            for (const queryKey of peopleKeys) void client.invalidateQueries({ queryKey });
          }}
        />
      ) : null}

      <div className="row">
        <input id="keys-revoked" type="checkbox" checked={includeRevoked} onChange={(event) => setIncludeRevoked(event.target.checked)} />
        <label htmlFor="keys-revoked">Show revoked keys too</label>
      </div>

      {keys.isPending ? <Loading what="Loading API keys" /> : null}
      {keys.isError ? <ErrorNotice error={keys.error} onRetry={() => void keys.refetch()} /> : null}
      {keys.isSuccess && items.length === 0 ? (
        <p className="card">{includeRevoked ? 'No API keys yet.' : 'No API keys in force.'}</p>
      ) : null}
      {items.length > 0 ? (
        <div className="card">
          <div className="table-wrap">
            <table className="admin-table">
              <caption className="admin-sr-only">API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Unit</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                  {writer ? (
                    <th scope="col">
                      <span className="admin-sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {items.map((key) => (
                  <tr key={key.id}>
                    <td data-label="Name">
                      <strong className="admin-break">{key.name}</strong>
                      <div className="muted small">
                        <code>{key.prefix}…</code>
                      </div>
                    </td>
                    <td data-label="Role">{key.role}</td>
                    <td data-label="Unit">{key.orgUnitCode ?? 'everywhere'}</td>
                    <td data-label="Created">{formatDateTime(key.createdAt)}</td>
                    <td data-label="Last used">{key.lastUsedAt ? relativeTime(key.lastUsedAt) : 'never'}</td>
                    <td data-label="Expires">{key.expiresAt ? formatDateTime(key.expiresAt) : 'never'}</td>
                    <td data-label="State">
                      <KeyState apiKey={key} />
                    </td>
                    {writer ? (
                      <td data-label="Actions">
                        {key.revokedAt ? null : (
                          <button type="button" className="button secondary" onClick={() => setRevoking(key)}>
                            Revoke<span className="admin-sr-only"> key {key.name}</span>
                          </button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager hasMore={keys.hasNextPage} loading={keys.isFetchingNextPage} onMore={() => void keys.fetchNextPage()} />
        </div>
      ) : null}

      {revoking ? (
        <RevokeDialog
          apiKey={revoking}
          onDone={() => {
            setRevoking(undefined);
            void client.invalidateQueries({ queryKey: apiKeysKey });
          }}
          onCancel={() => setRevoking(undefined)}
        />
      ) : null}
    </section>
  );
}

function KeyState({ apiKey }: { apiKey: ApiKey }) {
  if (apiKey.revokedAt) {
    return (
      <span className="badge admin-off">
        <span aria-hidden="true">⊘ </span>Revoked {formatDateTime(apiKey.revokedAt)}
      </span>
    );
  }
  if (apiKey.expiresAt && Date.parse(apiKey.expiresAt) <= Date.now()) {
    return (
      <span className="badge admin-warn">
        <span aria-hidden="true">⌛ </span>Expired
      </span>
    );
  }
  return (
    <span className="badge admin-ok">
      <span aria-hidden="true">● </span>In force
    </span>
  );
}

function RevokeDialog({ apiKey, onDone, onCancel }: { apiKey: ApiKey; onDone: () => void; onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await revokeApiKey(apiKey);
      onDone();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }
  return (
    <ConfirmDialog
      title={`Revoke the key “${apiKey.name}”?`}
      confirmLabel="Revoke key"
      danger
      busy={busy}
      error={error}
      onConfirm={() => void confirm()}
      onCancel={onCancel}
    >
      <p>
        Anything using it (<code>{apiKey.prefix}…</code>) is refused from now on. A revoked key cannot be brought back; make a new one if it
        is needed again.
      </p>
    </ConfirmDialog>
  );
}

const NO_EXPIRY = '';

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (result: { key: string; apiKey: ApiKey }) => void; onCancel: () => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [unit, setUnit] = useState('');
  const [days, setDays] = useState('90');
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const nameProblem = shown && name.trim() === '' ? 'Give the key a name, such as the machine that will use it.' : undefined;
  const unitProblem = unit.trim() !== '' && !UNIT_CODE.test(unit.trim()) ? 'A unit code is letters, digits, “_”, “.” or “-”.' : undefined;
  const dayCount = Number(days);
  const daysProblem =
    days !== NO_EXPIRY && (!Number.isInteger(dayCount) || dayCount < 1 || dayCount > 3650)
      ? 'A whole number of days from 1 to 3650, or empty for no expiry.'
      : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setShown(true);
    if (name.trim() === '' || unitProblem || daysProblem) return;
    setBusy(true);
    setError(undefined);
    try {
      onCreated(
        await createApiKey({
          name: name.trim(),
          role,
          orgUnitCode: unit.trim() || null,
          expiresInDays: days === NO_EXPIRY ? null : dayCount,
        }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;
  return (
    <form className="card admin-form" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)} noValidate>
      <h3 id={`${id}-title`}>New API key</h3>
      <div className="admin-form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={100}
            required
            autoComplete="off"
            aria-invalid={nameProblem ? true : undefined}
            aria-describedby={describedBy(nameProblem && `${id}-name-problem`)}
            onChange={(event) => setName(event.target.value)}
          />
          {nameProblem ? (
            <span id={`${id}-name-problem`} className="field-problem">
              {nameProblem}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select
            id={`${id}-role`}
            value={role}
            aria-describedby={`${id}-role-hint`}
            onChange={(event) => setRole(event.target.value as Role)}
          >
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          <span id={`${id}-role-hint`} className="muted small">
            {ROLE_HINTS[role]}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-unit`}>Unit (optional)</label>
          <input
            id={`${id}-unit`}
            value={unit}
            list={UNITS_LIST_ID}
            placeholder="everywhere"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={unitProblem ? true : undefined}
            aria-describedby={describedBy(`${id}-unit-hint`, unitProblem && `${id}-unit-problem`)}
            onChange={(event) => setUnit(event.target.value)}
          />
          <span id={`${id}-unit-hint`} className="muted small">
            Empty: everywhere. A unit code: that unit and everything under it.
          </span>
          {unitProblem ? (
            <span id={`${id}-unit-problem`} className="field-problem">
              {unitProblem}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-days`}>Expires after (days)</label>
          <input
            id={`${id}-days`}
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            value={days}
            aria-invalid={daysProblem ? true : undefined}
            aria-describedby={describedBy(`${id}-days-hint`, daysProblem && `${id}-days-problem`)}
            onChange={(event) => setDays(event.target.value)}
          />
          <span id={`${id}-days-hint`} className="muted small">
            Empty: the key never expires.
          </span>
          {daysProblem ? (
            <span id={`${id}-days-problem`} className="field-problem">
              {daysProblem}
            </span>
          ) : null}
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
