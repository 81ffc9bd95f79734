// A secret Vigil shows once (a new API key, a generated password): clearly marked, with a copy
// button and the warning that it cannot be shown again. The secret lives only in the caller's
// state; "Done" drops it.
import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';

export function ShownOnce({
  title,
  label,
  secret,
  children,
  onDone,
}: {
  /** The panel's heading, e.g. "New API key for ci". */
  title: string;
  /** What the secret is, as said in a sentence: "API key", "password". */
  label: string;
  secret: string;
  /** What to do with it (shown under the warning). */
  children?: ReactNode;
  onDone: () => void;
}) {
  const panel = useRef<HTMLElement>(null);
  const code = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const titleId = useId();
  useEffect(() => panel.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure address, a refused permission): select the text for the user.
      const range = document.createRange();
      if (code.current) range.selectNodeContents(code.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopied('failed');
    }
  }

  return (
    <section ref={panel} className="notice notice-warn shown-once" aria-labelledby={titleId} tabIndex={-1}>
      <h3 id={titleId}>
        <span aria-hidden="true">⚠ </span>
        {title}
      </h3>
      <p>
        <strong>Copy the {label} now: it will not be shown again.</strong> Vigil keeps only a hash of it; if it is lost, make a new one.
      </p>
      {children}
      <p className="shown-once-value">
        <span className="admin-sr-only">{label}: </span>
        <code ref={code} data-secret={label}>
          {secret}
        </code>
      </p>
      <div className="row">
        <button type="button" className="button primary" onClick={() => void copy()}>
          Copy the {label}
        </button>
        <button type="button" className="button secondary" onClick={onDone}>
          Done, I have saved it
        </button>
        <span role="status" className="small">
          {copied === 'yes'
            ? '✓ Copied to the clipboard.'
            : copied === 'failed'
              ? 'Could not copy by itself: the text is selected, copy it yourself.'
              : ''}
        </span>
      </div>
    </section>
  );
}
