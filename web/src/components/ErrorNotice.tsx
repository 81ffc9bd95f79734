import { ApiError } from '../api/client';
import { describeError } from '../format';

/** An error from the API in words, with the request id to quote to support. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const text = api ? describeError(api) : 'Something went wrong in this page. Reload it and try again.';
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>Error:</strong> {text}
      </p>
      {api?.requestId ? (
        <p className="muted small">
          Request ID: <code>{api.requestId}</code>
        </p>
      ) : null}
      {onRetry ? (
        <button type="button" className="button secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
