// Silence matchers, as Alertmanager has them: a label equal (or not) to a value, or matching (or
// not) a regular expression anchored at both ends. A silence matches an alert when all its matchers
// do; a label the alert lacks is the empty string.

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

const compiled = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether `pattern` is a regular expression we can use (checked when a silence is created). */
export function validRegex(pattern: string): boolean {
  try {
    regex(pattern);
    return true;
  } catch {
    return false;
  }
}

export function matches(matcher: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? '';
  const hit = matcher.isRegex ? regex(matcher.value).test(value) : value === matcher.value;
  return matcher.isEqual ? hit : !hit;
}

export function matchesSilence(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.length > 0 && matchers.every((m) => matches(m, labels));
}
