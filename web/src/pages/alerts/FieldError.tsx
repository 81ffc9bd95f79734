import { ApiError } from '../../api/client';
import { ErrorNotice } from '../../components/ErrorNotice';

/** A field's validation message, referenced by the field's aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error">
      <span aria-hidden="true">⚠ </span>
      {message}
    </span>
  );
}

/**
 * Above a form: when the fields show what is wrong, one line saying so (with the request id of a
 * refusal); otherwise the error itself in words.
 */
export function FormProblems({ error, fieldErrors }: { error: unknown; fieldErrors: Record<string, string> }) {
  const count = Object.keys(fieldErrors).length;
  if (count === 0) return error ? <ErrorNotice error={error} /> : null;
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>Not saved:</strong> {count === 1 ? 'one field needs' : `${count} fields need`} attention, marked below.
      </p>
      {requestId ? (
        <p className="muted small">
          Request ID: <code>{requestId}</code>
        </p>
      ) : null}
    </div>
  );
}
