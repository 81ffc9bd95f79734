// Adding or editing a camera: every field labelled, checked in words before sending (the API's own
// rules, cameras/form.ts), and the server's refusals shown on the fields they name or, otherwise,
// with the request id. Credentials are write-only: an edit keeps, replaces or removes them.
import { useId, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { OrgUnitChoice } from '../api/cameras';
import type { CameraField, CameraFormValues, FieldErrors } from '../cameras/form';
import { fieldErrorsOf, validateCameraForm } from '../cameras/form';
import { ErrorNotice } from './ErrorNotice';

export interface CameraFormProps {
  mode: 'create' | 'edit';
  initial: CameraFormValues;
  /** Whether stored credentials exist (editing). */
  hasCredentials?: boolean;
  units: readonly OrgUnitChoice[];
  submitLabel: string;
  /** Extra fields after the others (adding: "start it now"). */
  extra?: ReactNode;
  onSubmit: (values: CameraFormValues) => Promise<void>;
  onCancel: () => void;
}

export function CameraForm({ mode, initial, hasCredentials, units, submitLabel, extra, onSubmit, onCancel }: CameraFormProps) {
  const id = useId();
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = <K extends CameraField>(key: K, value: CameraFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateCameraForm(values, mode);
    setErrors(found);
    setFailure(undefined);
    const first = Object.keys(found)[0];
    if (first) {
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(values);
    } catch (error) {
      const onFields = error instanceof ApiError ? fieldErrorsOf(error) : {};
      setErrors(onFields);
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const field = (key: CameraField) => ({
    id: `${id}-${key}`,
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby':
      [errors[key] ? `${id}-${key}-error` : '', hints[key] ? `${id}-${key}-hint` : ''].filter(Boolean).join(' ') || undefined,
  });
  const message = (key: CameraField) =>
    errors[key] ? (
      <p className="field-error" id={`${id}-${key}-error`}>
        <span aria-hidden="true">⚠ </span>
        {errors[key]}
      </p>
    ) : null;
  const hint = (key: CameraField) =>
    hints[key] ? (
      <p className="muted small field-hint" id={`${id}-${key}-hint`}>
        {hints[key]}
      </p>
    ) : null;
  const showCredentials = mode === 'create' || values.credentials === 'set';
  const invalid = Object.keys(errors).length > 0;

  return (
    <form className="camera-form" noValidate onSubmit={(event) => void submit(event)} aria-busy={busy}>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-orgUnitCode`}>Org unit</label>
          <input
            {...field('orgUnitCode')}
            list={`${id}-units`}
            autoComplete="off"
            value={values.orgUnitCode}
            onChange={(e) => set('orgUnitCode', e.target.value)}
          />
          <datalist id={`${id}-units`}>
            {units.map((unit) => (
              <option key={unit.code} value={unit.code}>
                {unit.name}
              </option>
            ))}
          </datalist>
          {hint('orgUnitCode')}
          {message('orgUnitCode')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input {...field('name')} value={values.name} maxLength={200} onChange={(e) => set('name', e.target.value)} />
          {message('name')}
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-sourceUrl`}>Source URL</label>
          <input
            {...field('sourceUrl')}
            type="url"
            inputMode="url"
            spellCheck={false}
            value={values.sourceUrl}
            onChange={(e) => set('sourceUrl', e.target.value)}
          />
          {hint('sourceUrl')}
          {message('sourceUrl')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-sourceType`}>Source type</label>
          <select
            {...field('sourceType')}
            value={values.sourceType}
            onChange={(e) => set('sourceType', e.target.value as CameraFormValues['sourceType'])}
          >
            {mode === 'create' ? <option value="auto">From the address</option> : null}
            <option value="mjpeg">MJPEG stream</option>
            <option value="snapshot">JPEG snapshot (polled)</option>
            <option value="rtsp">RTSP</option>
          </select>
          {message('sourceType')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-expectedFps`}>Expected frames per second</label>
          <input
            {...field('expectedFps')}
            type="number"
            inputMode="decimal"
            min="0.1"
            max="120"
            step="any"
            value={values.expectedFps}
            onChange={(e) => set('expectedFps', e.target.value)}
          />
          {message('expectedFps')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-frozenDetection`}>Frozen picture detection</label>
          <select
            {...field('frozenDetection')}
            value={values.frozenDetection}
            onChange={(e) => set('frozenDetection', e.target.value as CameraFormValues['frozenDetection'])}
          >
            <option value="default">By source type (on for streams, off for snapshots)</option>
            <option value="on">On: the same picture over and over means the camera is down</option>
            <option value="off">Off: a still scene is fine</option>
          </select>
          {hint('frozenDetection')}
          {message('frozenDetection')}
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-labels`}>Labels</label>
          <input {...field('labels')} value={values.labels} autoComplete="off" onChange={(e) => set('labels', e.target.value)} />
          {hint('labels')}
          {message('labels')}
        </div>
      </div>

      <fieldset className="credentials">
        <legend>Credentials (optional)</legend>
        {mode === 'edit' ? (
          <div className="choices" role="radiogroup" aria-label="Stored credentials">
            <label className="choice">
              <input type="radio" name={`${id}-cred`} checked={values.credentials === 'keep'} onChange={() => set('credentials', 'keep')} />{' '}
              {hasCredentials ? 'Keep the stored credentials' : 'No credentials'}
            </label>
            <label className="choice">
              <input type="radio" name={`${id}-cred`} checked={values.credentials === 'set'} onChange={() => set('credentials', 'set')} />{' '}
              {hasCredentials ? 'Replace them' : 'Add credentials'}
            </label>
            {hasCredentials ? (
              <label className="choice">
                <input
                  type="radio"
                  name={`${id}-cred`}
                  checked={values.credentials === 'remove'}
                  onChange={() => set('credentials', 'remove')}
                />{' '}
                Remove them
              </label>
            ) : null}
          </div>
        ) : (
          <p className="muted small">Sent to the camera as HTTP Basic (or in the RTSP address); stored sealed and never shown again.</p>
        )}
        {showCredentials ? (
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-username`}>User name</label>
              <input {...field('username')} autoComplete="off" value={values.username} onChange={(e) => set('username', e.target.value)} />
              {message('username')}
            </div>
            <div className="field">
              <label htmlFor={`${id}-password`}>Password</label>
              <input
                {...field('password')}
                type="password"
                autoComplete="new-password"
                value={values.password}
                onChange={(e) => set('password', e.target.value)}
              />
              {message('password')}
            </div>
          </div>
        ) : null}
      </fieldset>

      {mode === 'create' ? (
        <label className="choice">
          <input type="checkbox" checked={values.autoStart} onChange={(e) => set('autoStart', e.target.checked)} /> Auto-start: start the
          camera whenever Vigil starts
        </label>
      ) : null}
      {extra}

      {failure && !invalid ? <ErrorNotice error={failure} /> : null}
      {invalid ? (
        <p className="notice notice-error" role="alert">
          <strong>Not saved:</strong> see the fields marked ⚠ above.
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const hints: Partial<Record<CameraField, string>> = {
  orgUnitCode: 'The unit’s code, for example SITE-12; start typing for suggestions.',
  sourceUrl: 'http(s):// MJPEG stream or JPEG snapshot, or rtsp://; no user name or password in it.',
  labels: 'Separated by commas or spaces, for example: gate, outdoor.',
  frozenDetection: 'With it on, a camera that sends the very same picture for a few seconds is reconnected (FROZEN).',
};
