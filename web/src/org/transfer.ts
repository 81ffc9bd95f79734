// Which content type an import file is sent as, from its name or the type the browser gives it.
// Pure, so unit tested (transfer.test.ts).

export type ImportType = 'text/csv' | 'application/json';

export function importContentType(fileName: string, browserType: string): ImportType | undefined {
  const name = fileName.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.json')) return 'application/json';
  const type = browserType.toLowerCase().split(';')[0]!.trim();
  if (type === 'text/csv' || type === 'application/vnd.ms-excel') return 'text/csv';
  if (type === 'application/json') return 'application/json';
  return undefined;
}

/** "3 units (4 versions)". */
export function countUnits(units: number, versions: number): string {
  return `${units} unit${units === 1 ? '' : 's'} (${versions} version${versions === 1 ? '' : 's'})`;
}
