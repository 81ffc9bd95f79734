// Alert rules: the list with each rule in words, "Test now" (judges it on its cameras at once and
// says what would fire), and for those who may, the editor to create, change and delete rules.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteRule, listRules, testRule } from '../../api/alerts';
import type { AlertRule } from '../../api/alerts';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/Pager';
import { SeverityBadge } from '../../components/SeverityBadge';
import { describeCondition, describeSeries, summariseTest } from '../../lib/alert-list';
import { formatDateTime } from '../../format';
import { useSession } from '../../session';
import { Confirm } from './Confirm';
import { RuleEditor } from './RuleEditor';

const RULES_KEY = ['alerts', 'rules'] as const;

export function Rules() {
  const session = useSession();
  const client = useQueryClient();
  const [editing, setEditing] = useState<AlertRule | 'new' | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const rules = useInfiniteQuery({
    queryKey: RULES_KEY,
    queryFn: ({ pageParam, signal }) => listRules(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = rules.data?.pages.flatMap((p) => p.items) ?? [];
  const canWrite = session.can('alerts:write');
  return (
    <section aria-labelledby="rules-title" className="stack">
      <h2 id="rules-title">Rules</h2>
      {saved ? (
        <p className="notice notice-ok" role="status">
          <span aria-hidden="true">✓ </span>
          {saved}
        </p>
      ) : null}
      {canWrite && editing ? (
        <RuleEditor
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={(rule, created) => {
            setEditing(undefined);
            setSaved(`Rule “${rule.name}” ${created ? 'created' : 'saved'}. Use “Test now” below to see what it would do.`);
            void client.invalidateQueries({ queryKey: RULES_KEY });
          }}
        />
      ) : null}
      {canWrite && !editing ? (
        <div>
          <button
            type="button"
            className="button primary"
            onClick={() => {
              setSaved(undefined);
              setEditing('new');
            }}
          >
            New rule
          </button>
        </div>
      ) : null}
      {rules.isPending ? <Loading what="Loading rules" /> : null}
      {rules.isError ? <ErrorNotice error={rules.error} onRetry={() => void rules.refetch()} /> : null}
      {rules.isSuccess && items.length === 0 ? (
        <p className="card empty">No rules yet.{canWrite ? ' Create one to be told when cameras go offline or detections pile up.' : ''}</p>
      ) : null}
      {items.length > 0 ? (
        <ul className="rule-list" aria-label="Rules">
          {items.map((rule) => (
            <li key={rule.id}>
              <RuleCard
                rule={rule}
                canWrite={canWrite}
                onEdit={() => {
                  setSaved(undefined);
                  setEditing(rule);
                  window.scrollTo({ top: 0 });
                }}
                onDeleted={() => {
                  setSaved(`Rule “${rule.name}” deleted; its alerts stay in the history.`);
                  void client.invalidateQueries({ queryKey: RULES_KEY });
                }}
              />
            </li>
          ))}
        </ul>
      ) : null}
      <Pager hasMore={!!rules.hasNextPage} loading={rules.isFetchingNextPage} onMore={() => void rules.fetchNextPage()} />
    </section>
  );
}

function scopeWords(rule: AlertRule): string {
  const parts = [rule.scope.orgUnitCode ? `unit ${rule.scope.orgUnitCode} and below` : 'every unit'];
  if (rule.scope.cameraIds.length > 0)
    parts.push(`${rule.scope.cameraIds.length} chosen ${rule.scope.cameraIds.length === 1 ? 'camera' : 'cameras'}`);
  const labels = Object.entries(rule.scope.labels);
  if (labels.length > 0) parts.push(`cameras labelled ${labels.map(([k, v]) => `${k}:${v}`).join(', ')}`);
  return parts.join('; ');
}

function channelWords(rule: AlertRule): string {
  if (rule.channels.length === 0) return 'none (shown here only)';
  return rule.channels
    .map((c) => {
      switch (c.type) {
        case 'webhook':
          return `webhook ${c.url}${c.hasSecret ? ' (signed)' : ''}`;
        case 'alertmanager':
          return `Alertmanager ${c.url}`;
        case 'email':
          return `email to ${c.to.join(', ')}`;
      }
    })
    .join('; ');
}

function RuleCard({
  rule,
  canWrite,
  onEdit,
  onDeleted,
}: {
  rule: AlertRule;
  canWrite: boolean;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const test = useMutation({ mutationFn: () => testRule(rule.id) });
  const remove = useMutation({ mutationFn: () => deleteRule(rule.id, rule.revision), onSuccess: onDeleted });
  const titleId = `rule-${rule.id}`;
  return (
    <article className="card rule-card" aria-labelledby={titleId}>
      <div className="alert-head">
        <SeverityBadge severity={rule.severity} />
        <span className={`badge ${rule.enabled ? 'rule-on' : 'rule-off'}`}>
          <span aria-hidden="true">{rule.enabled ? '● ' : '○ '}</span>
          {rule.enabled ? 'enabled' : 'disabled'}
        </span>
        <h3 id={titleId}>{rule.name}</h3>
      </div>
      <p>
        Alerts when {describeCondition(rule.condition)}
        {rule.for !== '0s' && rule.for !== '0' ? `, for ${rule.for}` : ''}.
      </p>
      <dl className="facts">
        <div>
          <dt>Watches</dt>
          <dd>{scopeWords(rule)}</dd>
        </div>
        <div>
          <dt>Notifies</dt>
          <dd>{channelWords(rule)}</dd>
        </div>
        <div>
          <dt>Repeats every</dt>
          <dd>{rule.repeatInterval}</dd>
        </div>
        <div>
          <dt>Changed</dt>
          <dd>{formatDateTime(rule.updatedAt)}</dd>
        </div>
      </dl>
      <div className="row">
        <button type="button" className="button secondary" disabled={test.isPending} onClick={() => test.mutate()}>
          {test.isPending ? 'Testing…' : 'Test now'}
        </button>
        {canWrite ? (
          <>
            <button type="button" className="button secondary" onClick={onEdit}>
              Edit
            </button>
            <Confirm
              label="Delete"
              question={`Delete the rule “${rule.name}”? Its firing alerts resolve.`}
              yes="Delete rule"
              busy={remove.isPending}
              onConfirm={() => remove.mutate()}
            />
          </>
        ) : null}
      </div>
      {remove.isError ? <ErrorNotice error={remove.error} /> : null}
      {test.isError ? <ErrorNotice error={test.error} /> : null}
      <div role="status" aria-live="polite">
        {test.data ? (
          <div className="test-result notice notice-ok">
            <p>
              <strong>Test at {formatDateTime(test.data.evaluatedAt)}:</strong> {summariseTest(test.data.series)}
            </p>
            {test.data.series.length > 0 ? (
              <ul className="list small">
                {test.data.series.map((s, i) => (
                  <li key={`${s.cameraId ?? s.orgUnitCode ?? ''}-${i}`}>{describeSeries(s)}</li>
                ))}
              </ul>
            ) : null}
            <p className="small muted">A test changes nothing and notifies no one.</p>
          </div>
        ) : null}
      </div>
    </article>
  );
}
