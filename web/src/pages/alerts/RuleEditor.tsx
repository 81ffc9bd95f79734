// The rule editor: every condition type the API accepts with its own fields, the scope (unit,
// cameras, camera labels), timing, severity, labels and annotations, and the channels. What a person
// can fix is said before sending; what the API refuses is shown at the field its details name.
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { createRule, updateRule } from '../../api/alerts';
import type { AlertRule } from '../../api/alerts';
import { useCameras } from '../../api/fleet';
import type { Severity } from '../../api/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import {
  CONDITION_TYPES,
  apiFieldErrors,
  checkRuleForm,
  emptyRuleForm,
  errorAt,
  formToRule,
  ruleToForm,
  unplacedErrors,
  withConditionType,
} from '../../lib/rule-form';
import type { ChannelForm, ConditionType, RuleForm } from '../../lib/rule-form';
import { FieldError, FormProblems } from './FieldError';
import { UnitInput } from './UnitInput';

const KNOWN_PATHS = [
  'name',
  'enabled',
  'scope',
  'condition',
  'for',
  'keepFiringFor',
  'severity',
  'repeatInterval',
  'labels',
  'annotations',
  'channels',
];

export function RuleEditor({
  rule,
  onCancel,
  onSaved,
}: {
  rule?: AlertRule;
  onCancel: () => void;
  onSaved: (rule: AlertRule, created: boolean) => void;
}) {
  const [form, setForm] = useState<RuleForm>(() => (rule ? ruleToForm(rule) : emptyRuleForm()));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (f: RuleForm) => (rule ? updateRule(rule.id, formToRule(f), rule.revision) : createRule(formToRule(f))),
    onSuccess: (saved) => onSaved(saved, !rule),
    onError: (error) => setErrors(apiFieldErrors(error)),
  });
  const set = (change: Partial<RuleForm>) => setForm((f) => ({ ...f, ...change }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.reset();
    const found = checkRuleForm(form);
    setErrors(found);
    if (Object.keys(found).length === 0) save.mutate(form);
    else document.getElementById(`rf-${Object.keys(found)[0]!.replaceAll('.', '-')}`)?.focus();
  };
  const spec = CONDITION_TYPES.find((c) => c.type === form.conditionType)!;
  const unplaced = unplacedErrors(errors, KNOWN_PATHS);
  const otherAnnotationError = Object.entries(errors).find(
    ([p]) => p === 'annotations' || (p.startsWith('annotations.') && p !== 'annotations.summary' && p !== 'annotations.description'),
  )?.[1];

  return (
    <form className="card rule-form" onSubmit={submit} noValidate aria-labelledby="rule-form-title">
      <h3 id="rule-form-title">{rule ? `Edit rule “${rule.name}”` : 'New rule'}</h3>
      <FormProblems error={save.error} fieldErrors={errors} />
      {unplaced.length > 0 ? (
        <ul className="field-error">
          {unplaced.map(([path, message]) => (
            <li key={path}>
              {path}: {message}
            </li>
          ))}
        </ul>
      ) : null}

      <div className="grid-form">
        <Field id="rf-name" label="Name" error={errors.name}>
          {(props) => <input {...props} value={form.name} maxLength={200} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
        <Field id="rf-severity" label="Severity" error={errors.severity}>
          {(props) => (
            <select {...props} value={form.severity} onChange={(e) => set({ severity: e.target.value as Severity })}>
              <option value="critical">Critical</option>
              <option value="high">High</option>
              <option value="medium">Medium</option>
              <option value="low">Low</option>
            </select>
          )}
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled (judged at every
        round)
      </label>

      <fieldset>
        <legend>Condition</legend>
        <Field id="rf-condition-type" label="Alert when" error={errorAt(errors, 'condition.type') ?? errors.condition}>
          {(props) => (
            <select
              {...props}
              value={form.conditionType}
              onChange={(e) => setForm((f) => withConditionType(f, e.target.value as ConditionType))}
            >
              {CONDITION_TYPES.map((c) => (
                <option key={c.type} value={c.type}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="grid-form">
          {spec.fields.map((field) => (
            <Field
              key={field.name}
              id={`rf-condition-${field.name}`}
              label={field.label}
              hint={field.hint}
              error={errors[`condition.${field.name}`]}
            >
              {(props) => (
                <input
                  {...props}
                  inputMode={
                    field.kind === 'integer' ? 'numeric' : field.kind === 'number' || field.kind === 'fraction' ? 'decimal' : undefined
                  }
                  spellCheck={false}
                  value={form.condition[field.name] ?? ''}
                  onChange={(e) => set({ condition: { ...form.condition, [field.name]: e.target.value } })}
                />
              )}
            </Field>
          ))}
        </div>
        <div className="grid-form">
          <Field id="rf-for" label="Fires after holding for" hint="0s fires at once; 30s, 5m…" error={errors.for}>
            {(props) => <input {...props} spellCheck={false} value={form.for} onChange={(e) => set({ for: e.target.value })} />}
          </Field>
          <Field id="rf-keepFiringFor" label="Keeps firing for" hint="After the condition stops." error={errors.keepFiringFor}>
            {(props) => (
              <input {...props} spellCheck={false} value={form.keepFiringFor} onChange={(e) => set({ keepFiringFor: e.target.value })} />
            )}
          </Field>
          <Field id="rf-repeatInterval" label="Notify again every" hint="While it fires." error={errors.repeatInterval}>
            {(props) => (
              <input {...props} spellCheck={false} value={form.repeatInterval} onChange={(e) => set({ repeatInterval: e.target.value })} />
            )}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Scope</legend>
        <div className="field">
          <label htmlFor="rf-scope-orgUnitCode">Unit (and below)</label>
          <UnitInput
            id="rf-scope-orgUnitCode"
            value={form.orgUnitCode}
            onChange={(orgUnitCode) => set({ orgUnitCode })}
            invalid={!!errors['scope.orgUnitCode']}
            describedBy={errors['scope.orgUnitCode'] ? 'rf-scope-orgUnitCode-error' : 'rf-scope-orgUnitCode-hint'}
          />
          <span id="rf-scope-orgUnitCode-hint" className="small muted">
            Empty: every camera (for global grants only).
          </span>
          <FieldError id="rf-scope-orgUnitCode-error" message={errors['scope.orgUnitCode']} />
        </div>
        <CameraPicker selected={form.cameraIds} onChange={(cameraIds) => set({ cameraIds })} error={errorAt(errors, 'scope.cameraIds')} />
        <Field
          id="rf-scope-labels"
          label="Only cameras with these labels"
          hint="One name=value per line; zone=kitchen matches a camera labelled zone:kitchen."
          error={errorAt(errors, 'scope.labels')}
        >
          {(props) => (
            <textarea
              {...props}
              rows={2}
              spellCheck={false}
              value={form.scopeLabels}
              onChange={(e) => set({ scopeLabels: e.target.value })}
            />
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Message</legend>
        <Field
          id="rf-annotations-summary"
          label="Summary"
          hint="Fields: {{camera.name}}, {{unit.name}}, {{value}}, {{severity}}, {{rule.name}}…"
          error={errors['annotations.summary']}
        >
          {(props) => <input {...props} value={form.summary} onChange={(e) => set({ summary: e.target.value })} />}
        </Field>
        <Field id="rf-annotations-description" label="Description (optional)" error={errors['annotations.description']}>
          {(props) => <textarea {...props} rows={2} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
        </Field>
        <Field
          id="rf-labels"
          label="Labels (optional)"
          hint="One name=value per line, such as team=site-a."
          error={errorAt(errors, 'labels')}
        >
          {(props) => (
            <textarea {...props} rows={2} spellCheck={false} value={form.labels} onChange={(e) => set({ labels: e.target.value })} />
          )}
        </Field>
        <Field id="rf-annotations" label="Other annotations (optional)" hint="One name=value per line." error={otherAnnotationError}>
          {(props) => (
            <textarea
              {...props}
              rows={2}
              spellCheck={false}
              value={form.otherAnnotations}
              onChange={(e) => set({ otherAnnotations: e.target.value })}
            />
          )}
        </Field>
      </fieldset>

      <ChannelsEditor channels={form.channels} errors={errors} onChange={(channels) => set({ channels })} />

      <div className="row">
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface FieldProps {
  id: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}

/** A labelled control with its hint and its error, tied together for screen readers. */
function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (props: FieldProps) => ReactNode;
}) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true } : {}), ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {hint ? (
        <span id={`${id}-hint`} className="small muted">
          {hint}
        </span>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

function CameraPicker({ selected, onChange, error }: { selected: string[]; onChange: (ids: string[]) => void; error?: string }) {
  const cameras = useCameras();
  const [find, setFind] = useState('');
  const shown = useMemo(() => {
    const all = cameras.data ?? [];
    const needle = find.trim().toLowerCase();
    const matching = all.filter((c) => !needle || c.name.toLowerCase().includes(needle) || c.orgUnitCode.toLowerCase().includes(needle));
    const picked = all.filter((c) => selected.includes(c.id) && !matching.slice(0, 50).includes(c));
    return [...picked, ...matching.slice(0, 50)];
  }, [cameras.data, find, selected]);
  return (
    <fieldset className="camera-picker" aria-describedby={error ? 'rf-scope-cameraIds-error' : 'rf-scope-cameraIds-hint'}>
      <legend>Only these cameras (optional)</legend>
      <span id="rf-scope-cameraIds-hint" className="small muted">
        None chosen: every camera of the unit. {selected.length > 0 ? `${selected.length} chosen.` : ''}
      </span>
      <FieldError id="rf-scope-cameraIds-error" message={error} />
      {cameras.isError ? <ErrorNotice error={cameras.error} /> : null}
      {(cameras.data?.length ?? 0) > 8 ? (
        <div className="field">
          <label htmlFor="rf-camera-find">Find a camera</label>
          <input id="rf-camera-find" type="search" value={find} onChange={(e) => setFind(e.target.value)} />
        </div>
      ) : null}
      <ul className="camera-choices">
        {shown.map((camera) => (
          <li key={camera.id}>
            <label className="check">
              <input
                type="checkbox"
                checked={selected.includes(camera.id)}
                onChange={(e) => onChange(e.target.checked ? [...selected, camera.id] : selected.filter((id) => id !== camera.id))}
              />{' '}
              {camera.name} <span className="muted small">({camera.orgUnitCode})</span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

function ChannelsEditor({
  channels,
  errors,
  onChange,
}: {
  channels: ChannelForm[];
  errors: Record<string, string>;
  onChange: (channels: ChannelForm[]) => void;
}) {
  const update = (i: number, next: ChannelForm) => onChange(channels.map((c, j) => (j === i ? next : c)));
  return (
    <fieldset>
      <legend>Notify (optional)</legend>
      {channels.length === 0 ? <p className="small muted">No channel: the alert shows in this console and on the stream only.</p> : null}
      {channels.map((channel, i) => {
        const id = `rf-channels-${i}`;
        const own = errors[`channels.${i}`];
        return (
          <div key={i} className="channel" role="group" aria-label={`Channel ${i + 1}: ${channel.type}`}>
            <p className="channel-title">
              <strong>
                {i + 1}. {channel.type === 'webhook' ? 'Webhook' : channel.type === 'alertmanager' ? 'Alertmanager' : 'Email'}
              </strong>
            </p>
            <FieldError id={`${id}-error`} message={own} />
            {channel.type === 'email' ? (
              <Field id={`${id}-to`} label="Send to" hint="Addresses separated by commas." error={errorAt(errors, `channels.${i}.to`)}>
                {(props) => (
                  <input {...props} type="text" value={channel.to} onChange={(e) => update(i, { ...channel, to: e.target.value })} />
                )}
              </Field>
            ) : (
              <Field
                id={`${id}-url`}
                label={channel.type === 'webhook' ? 'Webhook URL' : 'Alertmanager base URL'}
                error={errors[`channels.${i}.url`]}
              >
                {(props) => (
                  <input
                    {...props}
                    type="url"
                    spellCheck={false}
                    value={channel.url}
                    onChange={(e) => update(i, { ...channel, url: e.target.value })}
                  />
                )}
              </Field>
            )}
            {channel.type === 'webhook' ? (
              <Field
                id={`${id}-secret`}
                label="Signing secret (optional)"
                hint={
                  channel.hadSecret
                    ? 'This webhook has a secret, which is never shown. Saving replaces the rule: enter the secret again to keep signing.'
                    : 'Signs each request (HMAC-SHA256); stored sealed, never shown again.'
                }
                error={errors[`channels.${i}.secret`]}
              >
                {(props) => (
                  <input
                    {...props}
                    type="password"
                    autoComplete="new-password"
                    value={channel.secret}
                    onChange={(e) => update(i, { ...channel, secret: e.target.value })}
                  />
                )}
              </Field>
            ) : null}
            <button
              type="button"
              className="button secondary"
              aria-label={`Remove channel ${i + 1}`}
              onClick={() => onChange(channels.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <div className="row">
        <button
          type="button"
          className="button secondary"
          onClick={() => onChange([...channels, { type: 'webhook', url: '', secret: '', hadSecret: false }])}
        >
          Add webhook
        </button>
        <button type="button" className="button secondary" onClick={() => onChange([...channels, { type: 'alertmanager', url: '' }])}>
          Add Alertmanager
        </button>
        <button type="button" className="button secondary" onClick={() => onChange([...channels, { type: 'email', to: '' }])}>
          Add email
        </button>
      </div>
    </fieldset>
  );
}
