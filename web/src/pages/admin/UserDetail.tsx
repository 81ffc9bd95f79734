// One user: who they are, their status and grants; for users:write, renaming, disabling or enabling
// (confirmed), replacing the grants and resetting the password (the new one shown once). Writes
// send the revision they were made on (If-Match), so two admins cannot overwrite each other unseen.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import type { UserRecord } from '../../api/admin';
import { replaceGrants, resetPassword, updateUser, useUser, usersKey } from '../../api/admin';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { formatDateTime } from '../../format';
import { useSession } from '../../session';
import { GrantList, UserStatus } from './bits';
import { ConfirmDialog } from './ConfirmDialog';
import { GrantsEditor } from './GrantsEditor';
import { grantProblems, grantsReducer, grantsState, sameGrants, toGrants } from './grants';
import { ShownOnce } from './ShownOnce';

export function UserDetail({ id }: { id: string }) {
  const session = useSession();
  const client = useQueryClient();
  const user = useUser(id);
  const writer = session.can('users:write');

  /** Keeps the answer of a write as the user shown, and the list up to date. */
  const saved = (updated: UserRecord) => {
    client.setQueryData([...usersKey, 'one', id], updated);
    void client.invalidateQueries({ queryKey: [...usersKey, 'list'] });
  };

  return (
    <section className="stack" aria-labelledby="user-title">
      <p>
        <Link to="?section=users">
          <span aria-hidden="true">← </span>All users
        </Link>
      </p>
      {user.isPending ? <Loading what="Loading the user" /> : null}
      {user.isError ? (
        <>
          <h2 id="user-title">User</h2>
          <ErrorNotice error={user.error} onRetry={() => void user.refetch()} />
        </>
      ) : null}
      {user.data ? (
        <>
          <div className="card">
            <h2 id="user-title" className="admin-break">
              {user.data.email}
            </h2>
            <dl className="admin-facts">
              <dt>Name</dt>
              <dd>{user.data.displayName || '—'}</dd>
              <dt>Status</dt>
              <dd>
                <UserStatus status={user.data.status} />
              </dd>
              <dt>Created</dt>
              <dd>{formatDateTime(user.data.createdAt)}</dd>
              <dt>Last changed</dt>
              <dd>{formatDateTime(user.data.updatedAt)}</dd>
              {writer ? null : (
                <>
                  <dt>Grants</dt>
                  <dd>
                    <GrantList grants={user.data.grants} />
                  </dd>
                </>
              )}
            </dl>
          </div>
          {writer ? (
            <div className="grid-2">
              <div className="stack">
                <GrantsCard user={user.data} onSaved={saved} onStale={() => void user.refetch()} />
              </div>
              <div className="stack">
                <NameCard user={user.data} onSaved={saved} />
                <StatusCard user={user.data} self={user.data.id === session.user.id} onSaved={saved} />
                <PasswordCard user={user.data} onSaved={saved} />
              </div>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function NameCard({ user, onSaved }: { user: UserRecord; onSaved: (user: UserRecord) => void }) {
  const [name, setName] = useState(user.displayName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  useEffect(() => setName(user.displayName), [user.displayName]);
  const unchanged = name.trim() === user.displayName;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim() || unchanged) return;
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      onSaved(await updateUser(user, { name: name.trim() }));
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" aria-labelledby="user-name-title" onSubmit={(event) => void submit(event)}>
      <h3 id="user-name-title">Name</h3>
      <div className="field">
        <label htmlFor="user-name">Name shown for this user</label>
        <input
          id="user-name"
          value={name}
          maxLength={200}
          required
          aria-invalid={name.trim() === '' ? true : undefined}
          aria-describedby={name.trim() === '' ? 'user-name-problem' : undefined}
          onChange={(event) => {
            setName(event.target.value);
            setDone(false);
          }}
        />
        {name.trim() === '' ? (
          <span id="user-name-problem" className="field-problem">
            A name cannot be empty.
          </span>
        ) : null}
      </div>
      <ErrorNotice error={error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={busy || unchanged || !name.trim()}>
          {busy ? 'Saving…' : 'Save name'}
        </button>
        <span role="status" className="small">
          {done ? '✓ Name saved.' : ''}
        </span>
      </div>
    </form>
  );
}

function StatusCard({ user, self, onSaved }: { user: UserRecord; self: boolean; onSaved: (user: UserRecord) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const disabling = user.status === 'active';

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await updateUser(user, { disabled: disabling }));
      setConfirming(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="user-status-title">
      <h3 id="user-status-title">Access</h3>
      <p>
        This user is <UserStatus status={user.status} />.{' '}
        {disabling ? 'They can sign in.' : 'They cannot sign in; their sessions were ended when they were disabled.'}
      </p>
      {self ? (
        <p className="muted small">You cannot disable your own account.</p>
      ) : (
        <button
          type="button"
          className={`button ${disabling ? 'danger' : 'secondary'}`}
          onClick={() => {
            setError(undefined);
            setConfirming(true);
          }}
        >
          {disabling ? 'Disable user…' : 'Enable user…'}
        </button>
      )}
      {confirming ? (
        <ConfirmDialog
          title={disabling ? `Disable ${user.email}?` : `Enable ${user.email}?`}
          confirmLabel={disabling ? 'Disable user' : 'Enable user'}
          danger={disabling}
          busy={busy}
          error={error}
          onConfirm={() => void confirm()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            {disabling
              ? 'They will no longer be able to sign in, and every session of theirs ends at once. You can enable them again later.'
              : 'They will be able to sign in again with their password and grants.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function GrantsCard({ user, onSaved, onStale }: { user: UserRecord; onSaved: (user: UserRecord) => void; onStale: () => void }) {
  const [state, dispatch] = useReducer(grantsReducer, user.grants, grantsState);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const problems = grantProblems(state.rows);
  const changed = !sameGrants(toGrants(state.rows), user.grants);

  // A newer version of the user (saved here or elsewhere) replaces the rows unless they are being edited.
  const [revision, setRevision] = useState(user.revision);
  if (revision !== user.revision) {
    setRevision(user.revision);
    if (!changed || done) dispatch({ type: 'reset', grants: user.grants });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (problems.size > 0 || !changed) return;
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      const updated = await replaceGrants(user, toGrants(state.rows));
      dispatch({ type: 'reset', grants: updated.grants });
      onSaved(updated);
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" aria-labelledby="user-grants-title" onSubmit={(event) => void submit(event)} noValidate>
      <h3 id="user-grants-title">Grants</h3>
      <GrantsEditor
        state={state}
        dispatch={(action) => {
          setDone(false);
          dispatch(action);
        }}
        problems={problems}
        idPrefix="user"
        disabled={busy}
        plain
      />
      {error ? <ErrorNotice error={error} onRetry={onStale} /> : null}
      <div className="row">
        <button type="submit" className="button primary" disabled={busy || !changed || problems.size > 0}>
          {busy ? 'Saving…' : 'Save grants'}
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={busy || !changed}
          onClick={() => {
            setError(undefined);
            dispatch({ type: 'reset', grants: user.grants });
          }}
        >
          Undo changes
        </button>
        <span role="status" className="small">
          {done ? '✓ Grants saved; they hold at once.' : changed ? 'Unsaved changes.' : ''}
        </span>
      </div>
    </form>
  );
}

function PasswordCard({ user, onSaved }: { user: UserRecord; onSaved: (user: UserRecord) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [password, setPassword] = useState<string | undefined>();

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      const result = await resetPassword(user);
      // The reset moves the user's revision: later writes must send the new one.
      onSaved(result.user);
      setPassword(result.generatedPassword);
      setConfirming(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="user-password-title">
      <h3 id="user-password-title">Password</h3>
      {password ? (
        <ShownOnce title={`New password for ${user.email}`} label="password" secret={password} onDone={() => setPassword(undefined)}>
          <p>The old password no longer works. Sessions already open stay open; disable the user to end them.</p>
        </ShownOnce>
      ) : (
        <>
          <p className="muted small">Vigil generates a new password and shows it to you once; the old one stops working.</p>
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setError(undefined);
              setConfirming(true);
            }}
          >
            Reset password…
          </button>
        </>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Reset the password of ${user.email}?`}
          confirmLabel="Reset password"
          danger
          busy={busy}
          error={error}
          onConfirm={() => void confirm()}
          onCancel={() => setConfirming(false)}
        >
          <p>Their current password stops working at once. The new one is shown to you once, to pass on to them.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
