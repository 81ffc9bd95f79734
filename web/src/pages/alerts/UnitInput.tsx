import { useUnitOptions } from '../../api/unit-options';

/** A unit code field that suggests the units the person can see (a datalist; any code may be typed). */
export function UnitInput({
  id,
  value,
  onChange,
  invalid,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  invalid?: boolean;
  describedBy?: string;
}) {
  const units = useUnitOptions();
  const listId = `${id}-units`;
  return (
    <>
      <input
        id={id}
        value={value}
        list={listId}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id={listId}>
        {(units.data ?? []).map((u) => (
          <option key={u.code} value={u.code}>
            {u.name}
          </option>
        ))}
      </datalist>
    </>
  );
}
