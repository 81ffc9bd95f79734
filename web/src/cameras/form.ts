// The add/edit camera form's values, checks and request bodies. The checks are the API's own
// (openapi.json: NewCameraBody, CameraPatchBody), said in words before the request is sent; the
// server's refusals are mapped back onto the fields they name. Pure: unit tested.
import type { ApiError } from '../api/client';
import type { Camera } from '../api/types';

export type SourceTypeChoice = 'auto' | Camera['sourceType'];
export type CredentialsChoice = 'keep' | 'set' | 'remove';
/** Frozen detection: the default for the source type (on for streams, off for snapshots), or on or off. */
export type FrozenChoice = 'default' | 'on' | 'off';

export interface CameraFormValues {
  orgUnitCode: string;
  name: string;
  sourceUrl: string;
  sourceType: SourceTypeChoice;
  expectedFps: string;
  frozenDetection: FrozenChoice;
  /** Comma- or space-separated. */
  labels: string;
  /** Editing: keep the stored credentials, set new ones, or remove them. Adding: 'set' when a user name is given. */
  credentials: CredentialsChoice;
  username: string;
  password: string;
  autoStart: boolean;
}

export type CameraField = keyof CameraFormValues;
export type FieldErrors = Partial<Record<CameraField, string>>;

export const EMPTY_FORM: CameraFormValues = {
  orgUnitCode: '',
  name: '',
  sourceUrl: '',
  sourceType: 'auto',
  expectedFps: '5',
  frozenDetection: 'default',
  labels: '',
  credentials: 'set',
  username: '',
  password: '',
  autoStart: false,
};

const UNIT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;

export function valuesOf(camera: Camera): CameraFormValues {
  return {
    orgUnitCode: camera.orgUnitCode,
    name: camera.name,
    sourceUrl: camera.sourceUrl,
    sourceType: camera.sourceType,
    expectedFps: String(camera.expectedFps),
    frozenDetection: camera.frozenDetection ? 'on' : 'off',
    labels: camera.labels.join(', '),
    credentials: 'keep',
    username: '',
    password: '',
    autoStart: camera.autoStart,
  };
}

/** Labels typed as "gate, outdoor north": split on commas and spaces, duplicates dropped, order kept. */
export function parseLabels(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** What is wrong with the values, field by field (empty: nothing). */
export function validateCameraForm(values: CameraFormValues, mode: 'create' | 'edit'): FieldErrors {
  const errors: FieldErrors = {};
  const unit = values.orgUnitCode.trim();
  if (!unit) errors.orgUnitCode = 'Enter the code of the org unit the camera is at.';
  else if (!UNIT.test(unit)) errors.orgUnitCode = 'An org unit code has letters, digits, “.”, “_” and “-” only (up to 64).';
  const name = values.name.trim();
  if (!name) errors.name = 'Enter a name.';
  else if (name.length > 200) errors.name = 'A name has at most 200 characters.';
  const url = values.sourceUrl.trim();
  if (!url) errors.sourceUrl = 'Enter the camera’s stream or snapshot address.';
  else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      errors.sourceUrl = 'This is not a complete address; it starts with http://, https:// or rtsp://.';
    }
    if (parsed && !['http:', 'https:', 'rtsp:'].includes(parsed.protocol)) {
      errors.sourceUrl = 'The address starts with http://, https:// or rtsp://.';
    } else if (parsed && (parsed.username || parsed.password)) {
      errors.sourceUrl = 'Put the user name and password in the credentials fields, not in the address.';
    } else if (parsed && url.length > 2048) errors.sourceUrl = 'The address is too long (2,048 characters at most).';
    else if (parsed && values.sourceType === 'rtsp' && parsed.protocol !== 'rtsp:') {
      errors.sourceType = 'An RTSP source has an rtsp:// address.';
    } else if (parsed && parsed.protocol === 'rtsp:' && (values.sourceType === 'mjpeg' || values.sourceType === 'snapshot')) {
      errors.sourceType = 'An rtsp:// address is read as RTSP.';
    }
  }
  const fps = Number(values.expectedFps);
  if (values.expectedFps.trim() === '' || !Number.isFinite(fps) || fps <= 0 || fps > 120) {
    errors.expectedFps = 'Enter the frames per second the camera sends: more than 0, at most 120.';
  }
  const labels = parseLabels(values.labels);
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad) errors.labels = `“${bad}” is not a label: letters, digits and “_ . : / -”, starting with a letter or digit.`;
  else if (labels.length > 32) errors.labels = 'At most 32 labels.';
  const settingCredentials = mode === 'create' ? values.username.trim() !== '' || values.password !== '' : values.credentials === 'set';
  if (settingCredentials) {
    if (!values.username.trim()) errors.username = 'Enter the user name (or leave both credentials empty).';
    else if (values.username.length > 256) errors.username = 'A user name has at most 256 characters.';
    if (values.password.length > 1024) errors.password = 'A password has at most 1,024 characters.';
  }
  return errors;
}

export interface NewCameraBody {
  orgUnitCode: string;
  name: string;
  sourceUrl: string;
  sourceType?: Camera['sourceType'];
  expectedFps: number;
  frozenDetection?: boolean;
  labels: string[];
  credentials?: { username: string; password: string };
  autoStart: boolean;
}

export function toCreateBody(values: CameraFormValues): NewCameraBody {
  const username = values.username.trim();
  return {
    orgUnitCode: values.orgUnitCode.trim(),
    name: values.name.trim(),
    sourceUrl: values.sourceUrl.trim(),
    ...(values.sourceType !== 'auto' ? { sourceType: values.sourceType } : {}),
    expectedFps: Number(values.expectedFps),
    ...(values.frozenDetection !== 'default' ? { frozenDetection: values.frozenDetection === 'on' } : {}),
    labels: parseLabels(values.labels),
    ...(username ? { credentials: { username, password: values.password } } : {}),
    autoStart: values.autoStart,
  };
}

export type CameraPatch = Partial<Omit<NewCameraBody, 'credentials' | 'autoStart' | 'frozenDetection'>> & {
  credentials?: { username: string; password: string } | null;
  /** null: back to the default for the source type. */
  frozenDetection?: boolean | null;
};

/** Only what changed (the PATCH route refuses an empty body: undefined means nothing to send). Auto-start has its own route. */
export function toPatchBody(values: CameraFormValues, camera: Camera): CameraPatch | undefined {
  const patch: CameraPatch = {};
  const unit = values.orgUnitCode.trim();
  if (unit !== camera.orgUnitCode) patch.orgUnitCode = unit;
  if (values.name.trim() !== camera.name) patch.name = values.name.trim();
  if (values.sourceUrl.trim() !== camera.sourceUrl) patch.sourceUrl = values.sourceUrl.trim();
  if (values.sourceType !== 'auto' && values.sourceType !== camera.sourceType) patch.sourceType = values.sourceType;
  if (Number(values.expectedFps) !== camera.expectedFps) patch.expectedFps = Number(values.expectedFps);
  // The camera shows the setting in effect only: "default" is sent as asked, on or off when it changes it.
  if (values.frozenDetection === 'default') patch.frozenDetection = null;
  else if ((values.frozenDetection === 'on') !== camera.frozenDetection) patch.frozenDetection = values.frozenDetection === 'on';
  const labels = parseLabels(values.labels);
  if (labels.join('\n') !== camera.labels.join('\n')) patch.labels = labels;
  if (values.credentials === 'set') patch.credentials = { username: values.username.trim(), password: values.password };
  if (values.credentials === 'remove' && camera.hasCredentials) patch.credentials = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

const FIELD_OF_PATH: Record<string, CameraField> = {
  orgUnitCode: 'orgUnitCode',
  name: 'name',
  sourceUrl: 'sourceUrl',
  sourceType: 'sourceType',
  expectedFps: 'expectedFps',
  frozenDetection: 'frozenDetection',
  labels: 'labels',
  credentials: 'username',
};

const FIELD_OF_CODE: Record<string, CameraField> = {
  INVALID_SOURCE_URL: 'sourceUrl',
  UNSUPPORTED_SCHEME: 'sourceUrl',
  CREDENTIALS_IN_URL: 'sourceUrl',
  CAMERA_SOURCE_FORBIDDEN: 'sourceUrl',
  INVALID_SOURCE_TYPE: 'sourceType',
  UNKNOWN_ORG_UNIT: 'orgUnitCode',
};

/** The server's refusal placed on the field it is about, when it names one (VALIDATION_FAILED paths, camera codes). */
export function fieldErrorsOf(error: Pick<ApiError, 'code' | 'message' | 'details'>): FieldErrors {
  const field = FIELD_OF_CODE[error.code];
  const sentence = (text: string) => {
    const trimmed = text.trim();
    return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${trimmed.endsWith('.') ? '' : '.'}`;
  };
  if (field) return { [field]: sentence(error.message) };
  if (error.code === 'FORBIDDEN') return { orgUnitCode: 'You may not place cameras in this org unit.' };
  if (error.code !== 'VALIDATION_FAILED') return {};
  const errors: FieldErrors = {};
  const list = (error.details?.errors ?? []) as { path?: unknown; message?: unknown }[];
  for (const item of Array.isArray(list) ? list : []) {
    if (typeof item.path !== 'string') continue;
    const key = item.path.replace(/^body\./, '').split(/[.[]/)[0] ?? '';
    const target = FIELD_OF_PATH[key];
    const text = typeof item.message === 'string' ? item.message : 'is not valid';
    if (target && !errors[target]) errors[target] = sentence(`This ${text}`);
  }
  return errors;
}
