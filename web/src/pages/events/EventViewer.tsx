// One event shown large: its snapshot with the detection box drawn over it, what was detected,
// where and when, and the review buttons (the same actions as the keyboard's).
import { useState } from 'react';
import { Link } from 'react-router';
import { snapshotUrl } from '../../api/events';
import type { DetectionEvent, EventStatus } from '../../api/types';
import { bboxStyle, describeBox, formatConfidence, STATUS_WORDS } from '../../lib/review';
import { formatDateTime, relativeTime } from '../../format';

export function StatusBadge({ status }: { status: EventStatus }) {
  const words = STATUS_WORDS[status];
  return (
    <span className={`badge event-${status}`}>
      <span aria-hidden="true">{words.icon} </span>
      {words.text}
    </span>
  );
}

export function Snapshot({ event, cameraName }: { event: DetectionEvent; cameraName: string }) {
  const [failed, setFailed] = useState(false);
  const showImage = event.hasSnapshot && !failed;
  return (
    <figure className="snapshot">
      <div className={showImage ? 'snapshot-frame' : 'snapshot-frame snapshot-none'}>
        {showImage ? (
          <img
            src={snapshotUrl(event.id)}
            alt={`Snapshot of ${event.type} on ${cameraName} at ${formatDateTime(event.occurredAt)}`}
            onError={() => setFailed(true)}
          />
        ) : (
          <p className="snapshot-missing">{failed ? 'The snapshot could not be loaded.' : 'No snapshot was stored with this event.'}</p>
        )}
        {event.bbox ? <div className="bbox" style={bboxStyle(event.bbox)} aria-hidden="true" /> : null}
      </div>
      <figcaption className="small muted">
        {event.bbox ? `Detection ${describeBox(event.bbox)} (outlined).` : 'The detector sent no box for this event.'}
      </figcaption>
    </figure>
  );
}

export function EventFacts({ event, cameraName }: { event: DetectionEvent; cameraName: string }) {
  const attributes = Object.entries(event.attributes ?? {});
  return (
    <dl className="facts event-facts">
      <div>
        <dt>Type</dt>
        <dd>
          <strong>{event.type}</strong>
        </dd>
      </div>
      <div>
        <dt>Confidence</dt>
        <dd>{formatConfidence(event.confidence)}</dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={event.status} />
        </dd>
      </div>
      <div>
        <dt>Camera</dt>
        <dd>
          <Link to={`/cameras/${event.cameraId}`}>{cameraName}</Link>
        </dd>
      </div>
      <div>
        <dt>Unit</dt>
        <dd>
          <Link to={`/organization/${encodeURIComponent(event.orgUnitCode)}`}>{event.orgUnitCode}</Link>
        </dd>
      </div>
      <div>
        <dt>Seen</dt>
        <dd>
          <time dateTime={event.occurredAt}>{formatDateTime(event.occurredAt)}</time>{' '}
          <span className="muted small">({relativeTime(event.occurredAt)})</span>
        </dd>
      </div>
      {event.trackId ? (
        <div>
          <dt>Track</dt>
          <dd>
            <code>{event.trackId}</code>
          </dd>
        </div>
      ) : null}
      {event.handledAt ? (
        <div>
          <dt>Reviewed</dt>
          <dd>{formatDateTime(event.handledAt)}</dd>
        </div>
      ) : null}
      {event.notes ? (
        <div>
          <dt>Notes</dt>
          <dd>{event.notes}</dd>
        </div>
      ) : null}
      {attributes.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>
            <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}
