// Users: a searchable, paginated list with their status and grants; a form to create one (with a
// generated password shown once); and, per user, renaming, disabling or enabling, replacing the
// grants and resetting the password. Forms only for users:write.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useReducer, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { UserWithPassword } from '../../api/admin';
import { createUser, peopleKeys, useUsers } from '../../api/admin';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/Pager';
import { useSession } from '../../session';
import { GrantsEditor } from './GrantsEditor';
import { grantProblems, grantsReducer, grantsState, toGrants } from './grants';
import { GrantList, UserStatus } from './bits';
import { ShownOnce } from './ShownOnce';
import { UserDetail } from './UserDetail';

export function UsersSection() {
  const [params] = useSearchParams();
  const userId = params.get('user');
  return userId ? <UserDetail id={userId} /> : <UsersList />;
}

type StatusFilter = '' | 'active' | 'disabled';

function UsersList() {
  const session = useSession();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const status = (['active', 'disabled'] as const).find((s) => s === params.get('status')) ?? '';
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<UserWithPassword | undefined>();
  const users = useUsers({ q, status });
  const writer = session.can('users:write');

  // Typing searches after a short pause; the address keeps the search (replace: no history entry per key).
  useEffect(() => {
    if (text.trim() === q) return;
    const timer = setTimeout(() => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (text.trim()) next.set('q', text.trim());
          else next.delete('q');
          return next;
        },
        { replace: true },
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [text, q, setParams]);

  const setStatus = (value: StatusFilter) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set('status', value);
        else next.delete('status');
        return next;
      },
      { replace: true },
    );

  const items = users.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="stack" aria-labelledby="users-title">
      <div className="row admin-section-head">
        <h2 id="users-title">Users</h2>
        {writer && !creating ? (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New user
          </button>
        ) : null}
      </div>

      {created ? (
        created.generatedPassword ? (
          <ShownOnce
            title={`Password for ${created.user.email}`}
            label="password"
            secret={created.generatedPassword}
            onDone={() => setCreated(undefined)}
          >
            <p>
              User <strong>{created.user.email}</strong> was created. Give them this password by a safe channel; they sign in with their
              email and it.
            </p>
          </ShownOnce>
        ) : (
          <div className="notice notice-ok" role="status">
            <p>
              <span aria-hidden="true">✓ </span>User <strong>{created.user.email}</strong> was created with the password you chose.
            </p>
            <button type="button" className="button secondary" onClick={() => setCreated(undefined)}>
              Dismiss
            </button>
          </div>
        )
      ) : null}

      {creating ? (
        <CreateUserForm
          onCancel={() => setCreating(false)}
          onCreated={(result) => {
            setCreating(false);
            setCreated(result);
            for (const queryKey of peopleKeys) void client.invalidateQueries({ queryKey });
          }}
        />
      ) : null}

      <form className="card admin-filters" role="search" aria-label="Users" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="users-q">Search</label>
          <input id="users-q" type="search" value={text} placeholder="email or name" onChange={(event) => setText(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="users-status">Status</label>
          <select id="users-status" value={status} onChange={(event) => setStatus(event.target.value as StatusFilter)}>
            <option value="">Active and disabled</option>
            <option value="active">Active only</option>
            <option value="disabled">Disabled only</option>
          </select>
        </div>
      </form>

      {users.isPending ? <Loading what="Loading users" /> : null}
      {users.isError ? <ErrorNotice error={users.error} onRetry={() => void users.refetch()} /> : null}
      {users.isSuccess && items.length === 0 ? (
        <p className="card">{q || status ? 'No user matches this search.' : 'No users yet.'}</p>
      ) : null}
      {items.length > 0 ? (
        <div className="card">
          <div className="table-wrap">
            <table className="admin-table">
              <caption className="admin-sr-only">Users</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Status</th>
                  <th scope="col">Grants</th>
                </tr>
              </thead>
              <tbody>
                {items.map((user) => (
                  <tr key={user.id}>
                    <td data-label="User">
                      <Link to={`?section=users&user=${user.id}`} className="admin-strong-link">
                        {user.email}
                      </Link>
                      {user.displayName && user.displayName !== user.email ? <div className="muted small">{user.displayName}</div> : null}
                    </td>
                    <td data-label="Status">
                      <UserStatus status={user.status} />
                    </td>
                    <td data-label="Grants">
                      <GrantList grants={user.grants} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager hasMore={users.hasNextPage} loading={users.isFetchingNextPage} onMore={() => void users.fetchNextPage()} />
        </div>
      ) : null}
    </section>
  );
}

const MIN_PASSWORD = 12;

function CreateUserForm({ onCreated, onCancel }: { onCreated: (result: UserWithPassword) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [grants, dispatch] = useReducer(grantsReducer, grantsState([{ role: 'viewer', orgUnitCode: null }]));
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = useId();

  const problems = grantProblems(grants.rows);
  const emailProblem = shown && !/^[^\s@]+@[^\s@]+$/.test(email.trim()) ? 'Enter an email address, such as ana@example.com.' : undefined;
  const passwordProblem =
    shown && password !== '' && password.length < MIN_PASSWORD ? `A password has at least ${MIN_PASSWORD} characters.` : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setShown(true);
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim()) || (password !== '' && password.length < MIN_PASSWORD) || problems.size > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await createUser({
        email: email.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(password ? { password } : {}),
        grants: toGrants(grants.rows),
      });
      onCreated(result);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card admin-form" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)} noValidate>
      <h3 id={`${id}-title`}>New user</h3>
      <div className="admin-form-grid">
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            required
            autoComplete="off"
            value={email}
            aria-invalid={emailProblem ? true : undefined}
            aria-describedby={emailProblem ? `${id}-email-problem` : undefined}
            onChange={(event) => setEmail(event.target.value)}
          />
          {emailProblem ? (
            <span id={`${id}-email-problem`} className="field-problem">
              {emailProblem}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (optional)</label>
          <input id={`${id}-name`} value={name} maxLength={200} autoComplete="off" onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password (optional)</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            value={password}
            aria-invalid={passwordProblem ? true : undefined}
            aria-describedby={`${id}-password-hint${passwordProblem ? ` ${id}-password-problem` : ''}`}
            onChange={(event) => setPassword(event.target.value)}
          />
          <span id={`${id}-password-hint`} className="muted small">
            Leave empty and Vigil generates a strong one, shown to you once. At least {MIN_PASSWORD} characters, not a common password.
          </span>
          {passwordProblem ? (
            <span id={`${id}-password-problem`} className="field-problem">
              {passwordProblem}
            </span>
          ) : null}
        </div>
      </div>
      <GrantsEditor state={grants} dispatch={dispatch} problems={problems} idPrefix={`${id}-new`} />
      <ErrorNotice error={error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
