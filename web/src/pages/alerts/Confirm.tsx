import { useState } from 'react';

/** A destructive action asked twice: the button, then the question with "yes" and "cancel". */
export function Confirm({
  label,
  question,
  yes,
  busy = false,
  onConfirm,
}: {
  label: string;
  question: string;
  yes: string;
  busy?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking(true)}>
        {busy ? 'Working…' : label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="button danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {yes}
      </button>
      <button type="button" className="button secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
