// The organization page's forms: create a unit, change one from a date (rename, move, retype),
// and suspend or reactivate one from a date. Each checks its fields before sending, says what is
// wrong next to the field, sends `If-Match` with the revision the page showed, and on success
// refreshes every org query and reports what was done.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError } from '../api/client';
import { addVersion, correctVersion, createUnit, orgKeys, setStatus } from '../api/org';
import type { OrgUnit, OrgUnitVersion, VersionInput } from '../api/org';
import { MAX_DATE, MIN_DATE, formatDay, isIsoDate } from '../org/dates';
import { versionOn } from '../org/timeline';
import { knownTypes, parentChoices, suggestedChildType } from '../org/tree';
import type { Tree } from '../org/tree';
import { ErrorNotice } from './ErrorNotice';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UNIT_TYPE = /^[A-Z][A-Z0-9_]{0,39}$/;

type Errors<K extends string> = Partial<Record<K, string>>;

/** A labelled control with its hint and its error, tied together for assistive technology. */
function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="muted small org-hint">
          {hint}
        </p>
      ) : null}
      {children}
      {error ? (
        <p id={`${id}-error`} className="org-field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The aria attributes of a control inside a Field. */
function described(id: string, hint: boolean, error: string | undefined) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-invalid': error ? true : undefined, 'aria-describedby': ids || undefined } as const;
}

/** A form opened by a button takes the focus (and comes into view, on a phone below the tree). */
function useFocusOnOpen() {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => form.current?.querySelector<HTMLElement>('input, select')?.focus(), []);
  return form;
}

/** Moves focus to the first field in error, so a keyboard or screen reader user lands on it. */
function focusFirstError(form: HTMLFormElement | null) {
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

function checkDate(value: string): string | undefined {
  if (!value) return 'Enter a date.';
  if (!isIsoDate(value)) return `Enter a real date between ${formatDay(MIN_DATE)} and ${formatDay(MAX_DATE)}.`;
  return undefined;
}

function checkReason(value: string, required: boolean): string | undefined {
  if (required && !value.trim()) return 'Say why: the reason is kept in the audit trail.';
  if (value.length > 500) return `At most 500 characters (${value.length} now).`;
  return undefined;
}

function ParentSelect({
  id,
  tree,
  exclude,
  value,
  onChange,
  hint,
}: {
  id: string;
  tree: Tree;
  exclude: string | undefined;
  value: string;
  onChange: (value: string) => void;
  hint: boolean;
}) {
  const choices = parentChoices(tree, exclude);
  const known = value === '' || choices.some((node) => node.unit.code === value);
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...described(id, hint, undefined)}>
      <option value="">None: a root (an organization)</option>
      {known ? null : <option value={value}>{value}</option>}
      {choices.map((node) => (
        <option key={node.unit.code} value={node.unit.code}>
          {'\u00a0\u00a0'.repeat(node.depth)}
          {node.unit.name} ({node.unit.code})
        </option>
      ))}
    </select>
  );
}

function TypeInput({
  id,
  value,
  onChange,
  error,
  types,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  types: string[];
}) {
  return (
    <>
      <input
        id={id}
        list={`${id}-types`}
        value={value}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => onChange(e.target.value.toUpperCase())}
        {...described(id, true, error)}
      />
      <datalist id={`${id}-types`}>
        {types.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
    </>
  );
}

function checkType(value: string): string | undefined {
  if (!value.trim()) return 'Enter a type, such as SITE.';
  if (!UNIT_TYPE.test(value.trim())) return 'Capital letters, digits and _ only, starting with a letter (for example SITE).';
  return undefined;
}

function checkName(value: string): string | undefined {
  if (!value.trim()) return 'Enter a name.';
  if (value.trim().length > 200) return `At most 200 characters (${value.trim().length} now).`;
  return undefined;
}

export function CreateUnitForm({
  tree,
  units,
  parentCode,
  defaultDate,
  onDone,
  onCancel,
}: {
  tree: Tree;
  units: OrgUnit[];
  parentCode: string | undefined;
  defaultDate: string;
  onDone: (unit: OrgUnit, message: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const client = useQueryClient();
  const form = useFocusOnOpen();
  const types = knownTypes(units);
  const typeOf = (code: string) => tree.byCode.get(code)?.unit.unitType;
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [parent, setParent] = useState(parentCode ?? '');
  const [unitType, setUnitType] = useState(suggestedChildType(parentCode ? typeOf(parentCode) : undefined, types));
  const [typeTouched, setTypeTouched] = useState(false);
  const [date, setDate] = useState(defaultDate);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<'code' | 'name' | 'unitType' | 'date' | 'reason'>>({});
  const create = useMutation({
    mutationFn: createUnit,
    onSuccess: async (unit) => {
      await client.invalidateQueries({ queryKey: orgKeys.all });
      onDone(unit, `Created “${unit.name}” (${unit.code}), in force from ${formatDay(unit.effectiveDate)}.`);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: typeof errors = {
      code:
        code.trim() && !CODE.test(code.trim()) ? 'Letters, digits and _ . - only, up to 64, starting with a letter or digit.' : undefined,
      name: checkName(name),
      unitType: checkType(unitType),
      date: checkDate(date),
      reason: checkReason(reason, false),
    };
    setErrors(found);
    if (Object.values(found).some(Boolean)) {
      requestAnimationFrame(() => focusFirstError(form.current));
      return;
    }
    create.mutate({
      ...(code.trim() ? { code: code.trim() } : {}),
      name: name.trim(),
      unitType: unitType.trim(),
      parentCode: parent || null,
      effectiveDate: date,
      ...(reason.trim() ? { changeReason: reason.trim() } : {}),
    });
  }

  return (
    <form ref={form} className="org-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{parentCode ? `Add a unit under ${tree.byCode.get(parentCode)?.unit.name ?? parentCode}` : 'Add a unit'}</h3>
      <div className="org-form-grid">
        <Field id={`${id}-name`} label="Name" error={errors.name}>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...described(`${id}-name`, false, errors.name)}
          />
        </Field>
        <Field id={`${id}-code`} label="Code (optional)" hint="Leave empty for a generated number." error={errors.code}>
          <input
            id={`${id}-code`}
            value={code}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setCode(e.target.value)}
            {...described(`${id}-code`, true, errors.code)}
          />
        </Field>
        <Field id={`${id}-parent`} label="Parent" hint={`Units in force on ${formatDay(defaultDate)}.`}>
          <ParentSelect
            id={`${id}-parent`}
            tree={tree}
            exclude={undefined}
            value={parent}
            hint
            onChange={(value) => {
              setParent(value);
              if (!typeTouched) setUnitType(suggestedChildType(value ? typeOf(value) : undefined, types));
            }}
          />
        </Field>
        <Field id={`${id}-type`} label="Type" hint={`For example ${types.slice(0, 3).join(', ')}.`} error={errors.unitType}>
          <TypeInput
            id={`${id}-type`}
            value={unitType}
            types={types}
            error={errors.unitType}
            onChange={(value) => {
              setTypeTouched(true);
              setUnitType(value);
            }}
          />
        </Field>
        <Field id={`${id}-date`} label="In force from" hint="Past or future; the parent must exist on that day." error={errors.date}>
          <input
            id={`${id}-date`}
            type="date"
            min={MIN_DATE}
            max={MAX_DATE}
            value={date}
            onChange={(e) => setDate(e.target.value)}
            {...described(`${id}-date`, true, errors.date)}
          />
        </Field>
        <Field id={`${id}-reason`} label="Reason (optional)" error={errors.reason}>
          <input
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            {...described(`${id}-reason`, false, errors.reason)}
          />
        </Field>
      </div>
      <ErrorNotice error={create.error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create the unit'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function ChangeUnitForm({
  code,
  versions,
  tree,
  units,
  defaultDate,
  revision,
  onDone,
  onCancel,
}: {
  code: string;
  versions: OrgUnitVersion[];
  tree: Tree;
  units: OrgUnit[];
  defaultDate: string;
  revision: number | undefined;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const client = useQueryClient();
  const form = useFocusOnOpen();
  const first = versions[0]?.effectiveDate ?? defaultDate;
  const initialDate = defaultDate < first ? first : defaultDate;
  const base = versionOn(versions, initialDate) ?? versions.at(-1);
  const [date, setDate] = useState(initialDate);
  const [name, setName] = useState(base?.name ?? '');
  const [unitType, setUnitType] = useState(base?.unitType ?? '');
  const [parent, setParent] = useState(base?.parentCode ?? '');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<'date' | 'name' | 'unitType' | 'reason' | 'form'>>({});
  const types = knownTypes(units);
  const existing = isIsoDate(date) ? versions.find((v) => v.effectiveDate === date) : undefined;

  const save = useMutation({
    mutationFn: async ({ fields, correct }: { fields: VersionInput; correct: boolean }) => {
      if (correct) {
        const { effectiveDate, ...rest } = fields;
        return correctVersion(code, effectiveDate, rest, revision);
      }
      return addVersion(code, fields, revision);
    },
    onSuccess: async (unit, { fields, correct }) => {
      await client.invalidateQueries({ queryKey: orgKeys.all });
      const what = [
        fields.name !== undefined ? `renamed to “${fields.name}”` : '',
        fields.parentCode !== undefined ? (fields.parentCode === null ? 'made a root' : `moved under ${fields.parentCode}`) : '',
        fields.unitType !== undefined ? `made a ${fields.unitType}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      onDone(
        correct
          ? `Corrected the version of ${formatDay(fields.effectiveDate)}: ${unit.code} ${what}.`
          : `${unit.code} ${what}, from ${formatDay(fields.effectiveDate)}.`,
      );
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: typeof errors = {
      date: checkDate(date),
      name: checkName(name),
      unitType: checkType(unitType),
      reason: checkReason(reason, false),
    };
    const at = found.date ? undefined : versionOn(versions, date);
    if (!found.date && !at) found.date = `The unit does not exist yet on that day: it starts on ${formatDay(first)}.`;
    const fields: VersionInput = { effectiveDate: date };
    if (at) {
      if (name.trim() !== at.name) fields.name = name.trim();
      if (unitType.trim() !== at.unitType) fields.unitType = unitType.trim();
      if ((parent || null) !== at.parentCode) fields.parentCode = parent || null;
      if (!found.name && !found.unitType && fields.name === undefined && fields.unitType === undefined && fields.parentCode === undefined) {
        found.form = `Nothing would change: on ${formatDay(date)} the unit already has this name, type and parent.`;
      }
    }
    setErrors(found);
    if (Object.values(found).some(Boolean)) {
      requestAnimationFrame(() => focusFirstError(form.current));
      return;
    }
    if (reason.trim()) fields.changeReason = reason.trim();
    save.mutate({ fields, correct: existing !== undefined });
  }

  return (
    <form ref={form} className="org-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Rename or move from a date</h3>
      <p className="muted small">Fields you leave as they are carry over from the version in force on that day.</p>
      <div className="org-form-grid">
        <Field id={`${id}-date`} label="Change from" hint="Past (a late entry) or future (scheduled)." error={errors.date}>
          <input
            id={`${id}-date`}
            type="date"
            min={first}
            max={MAX_DATE}
            value={date}
            onChange={(e) => setDate(e.target.value)}
            {...described(`${id}-date`, true, errors.date)}
          />
        </Field>
        <Field id={`${id}-name`} label="Name" error={errors.name}>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...described(`${id}-name`, false, errors.name)}
          />
        </Field>
        <Field id={`${id}-parent`} label="Parent" hint="Moving a unit moves everything under it.">
          <ParentSelect id={`${id}-parent`} tree={tree} exclude={code} value={parent} onChange={setParent} hint />
        </Field>
        <Field id={`${id}-type`} label="Type" hint="Capital letters, for example SITE." error={errors.unitType}>
          <TypeInput id={`${id}-type`} value={unitType} types={types} error={errors.unitType} onChange={setUnitType} />
        </Field>
        <Field id={`${id}-reason`} label="Reason (optional)" error={errors.reason}>
          <input
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            {...described(`${id}-reason`, false, errors.reason)}
          />
        </Field>
      </div>
      {existing ? (
        <p className="notice notice-warn small">
          A version already starts on {formatDay(date)}: saving corrects that version in place (its dates stay the same).
        </p>
      ) : null}
      {errors.form ? (
        <p className="org-field-error" role="alert">
          <span aria-hidden="true">⚠ </span>
          {errors.form}
        </p>
      ) : null}
      <ErrorNotice error={save.error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : existing ? 'Correct that version' : 'Save the change'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function StatusForm({
  unit,
  action,
  defaultDate,
  firstDate,
  revision,
  hasChildren,
  onDone,
  onCancel,
}: {
  unit: { code: string; name: string };
  action: 'suspend' | 'reactivate';
  defaultDate: string;
  firstDate: string;
  revision: number | undefined;
  hasChildren: boolean;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const client = useQueryClient();
  const form = useFocusOnOpen();
  const [date, setDate] = useState(defaultDate < firstDate ? firstDate : defaultDate);
  const [reason, setReason] = useState('');
  const [cascade, setCascade] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [errors, setErrors] = useState<Errors<'date' | 'reason'>>({});
  const suspend = action === 'suspend';
  const verb = suspend ? 'Suspend' : 'Reactivate';
  const change = useMutation({
    mutationFn: () => setStatus(unit.code, action, { effectiveDate: date, reason: reason.trim(), cascade }, revision),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: orgKeys.all });
      onDone(`${suspend ? 'Suspended' : 'Reactivated'} “${unit.name}”${cascade ? ' and the units under it' : ''} from ${formatDay(date)}.`);
    },
    onError: () => setConfirming(false),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: typeof errors = { date: checkDate(date), reason: checkReason(reason, true) };
    if (!found.date && date < firstDate) found.date = `The unit does not exist yet on that day: it starts on ${formatDay(firstDate)}.`;
    setErrors(found);
    if (Object.values(found).some(Boolean)) {
      requestAnimationFrame(() => focusFirstError(form.current));
      return;
    }
    // Suspending is asked twice; reactivating undoes nothing and is not.
    if (suspend && !confirming) {
      setConfirming(true);
      return;
    }
    change.mutate();
  }

  const childConflict = change.error instanceof ApiError && change.error.code === 'HAS_ACTIVE_CHILDREN';
  return (
    <form ref={form} className="org-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        {verb} “{unit.name}” from a date
      </h3>
      <div className="org-form-grid">
        <Field id={`${id}-date`} label={suspend ? 'Suspended from' : 'Active again from'} error={errors.date}>
          <input
            id={`${id}-date`}
            type="date"
            min={firstDate}
            max={MAX_DATE}
            value={date}
            disabled={confirming}
            onChange={(e) => setDate(e.target.value)}
            {...described(`${id}-date`, false, errors.date)}
          />
        </Field>
        <Field id={`${id}-reason`} label="Reason" error={errors.reason}>
          <input
            id={`${id}-reason`}
            value={reason}
            disabled={confirming}
            onChange={(e) => setReason(e.target.value)}
            {...described(`${id}-reason`, false, errors.reason)}
          />
        </Field>
      </div>
      {hasChildren ? (
        <div className="org-check">
          <input
            id={`${id}-cascade`}
            type="checkbox"
            checked={cascade}
            disabled={confirming}
            onChange={(e) => setCascade(e.target.checked)}
          />
          <label htmlFor={`${id}-cascade`}>{suspend ? 'Also suspend every unit under it' : 'Also reactivate every unit under it'}</label>
        </div>
      ) : null}
      <ErrorNotice error={change.error} />
      {childConflict ? (
        <p className="muted small">
          Units under it are still active on that day. Tick “Also suspend every unit under it” to suspend them too.
        </p>
      ) : null}
      {confirming ? (
        <div className="notice notice-warn" role="alert">
          <p>
            Suspend “{unit.name}”{cascade ? ' and every unit under it' : ''} from {formatDay(date)}? It stays in the tree, marked suspended,
            until it is reactivated.
          </p>
          <div className="row">
            <button type="submit" className="button danger" disabled={change.isPending}>
              {change.isPending ? 'Suspending…' : 'Yes, suspend'}
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
              Go back
            </button>
          </div>
        </div>
      ) : (
        <div className="row">
          <button type="submit" className={suspend ? 'button danger' : 'button primary'} disabled={change.isPending}>
            {change.isPending ? 'Saving…' : verb}
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )}
    </form>
  );
}
