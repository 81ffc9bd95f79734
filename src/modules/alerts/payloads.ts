// What each channel receives, built when the notification is written to the outbox (so a retry
// sends the same bytes): the Alertmanager webhook format (version 4) for webhooks, Alertmanager's
// own /api/v2/alerts format, and an email.

/** Alertmanager's "zero" time: an alert that has not ended. */
const NOT_ENDED = '0001-01-01T00:00:00Z';

export interface AlertSnapshot {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  generatorURL: string;
}

/** One alert in the webhook format of Alertmanager (version 4), so existing receivers work. */
export function webhookPayload(alert: AlertSnapshot, externalURL: string) {
  const groupLabels = { alertname: alert.labels.alertname ?? '' };
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(groupLabels.alertname)}}`,
    truncatedAlerts: 0,
    status: alert.status,
    receiver: 'vigil',
    groupLabels,
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
    externalURL,
    alerts: [
      {
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt.toISOString(),
        endsAt: alert.endsAt ? alert.endsAt.toISOString() : NOT_ENDED,
        generatorURL: alert.generatorURL,
        fingerprint: alert.fingerprint,
      },
    ],
  };
}

/**
 * The body of POST /api/v2/alerts. A firing alert ends at `validUntil` unless sent again (Vigil
 * re-sends firing alerts, as Prometheus does), so an Alertmanager resolves it by itself if Vigil
 * stops; a resolved one ends when it was resolved.
 */
export function alertmanagerPayload(alert: AlertSnapshot, validUntil: Date) {
  return [
    {
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt.toISOString(),
      endsAt: (alert.status === 'resolved' && alert.endsAt ? alert.endsAt : validUntil).toISOString(),
      generatorURL: alert.generatorURL,
    },
  ];
}

export function emailPayload(alert: AlertSnapshot, to: readonly string[], event: 'firing' | 'resolved' | 'repeat') {
  const title = alert.annotations.summary ?? alert.labels.alertname ?? 'alert';
  const lines = [
    `${event === 'resolved' ? 'Resolved' : 'Firing'}: ${title}`,
    '',
    ...(alert.annotations.description ? [alert.annotations.description, ''] : []),
    `Started: ${alert.startsAt.toISOString()}`,
    ...(alert.endsAt ? [`Ended: ${alert.endsAt.toISOString()}`] : []),
    '',
    'Labels:',
    ...Object.entries(alert.labels).map(([k, v]) => `  ${k} = ${v}`),
    '',
    alert.generatorURL,
  ];
  return {
    to: [...to],
    subject: `[${alert.status === 'resolved' ? 'RESOLVED' : 'FIRING'}] ${title}`,
    text: lines.join('\n'),
  };
}
