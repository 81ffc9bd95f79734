// The console's one way to the API. Cookie mode: the browser holds the session in httpOnly cookies,
// and every write carries the CSRF token from the readable `vigil_csrf` cookie. An answer of 401
// means the access token lapsed: the client refreshes the session once (one refresh for every
// request that was waiting) and retries; when that fails too, the session is over.
import { connection } from './connection';

/** An error answer in the API's unified shape, or a request that never reached the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The request did not reach Vigil (no connection, server down). */
  get offline(): boolean {
    return this.status === 0;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null | readonly string[]>;
  body?: unknown;
  /** A body sent as is (CSV upload), with its content type. */
  raw?: { body: BodyInit; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const CSRF_COOKIE = 'vigil_csrf';
const listeners = new Set<() => void>();

/** Called when the session is over (refresh refused): the app shows the sign-in page. */
export function onSignedOut(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.raw) {
    body = options.raw.body;
    headers['content-type'] = options.raw.contentType;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers['x-csrf-token'] = token;
  }
  try {
    const response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
    connection.reached();
    return response;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    connection.lost();
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      'Vigil could not be reached. Check the connection; the page retries by itself.',
      undefined,
      undefined,
    );
  }
}

let refreshing: Promise<boolean> | undefined;
/** Requests whose 401 is the answer itself, not a lapsed access token. */
const SESSION_ROUTES = /^\/api\/auth\/(login|refresh|logout)\b/;

/** Renews the session's cookies; one call at a time, shared by every request that waits on it. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await send('POST', '/api/auth/refresh', { body: {} });
      return response.ok;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = undefined), 0);
    }
  })();
  return refreshing;
}

export async function errorOf(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  try {
    const body = (await response.json()) as { code?: string; message?: string; details?: Record<string, unknown>; requestId?: string };
    return new ApiError(
      response.status,
      body.code ?? `HTTP_${response.status}`,
      body.message ?? response.statusText,
      body.requestId ?? requestId,
      body.details,
    );
  } catch {
    return new ApiError(response.status, `HTTP_${response.status}`, response.statusText || 'unexpected answer', requestId, undefined);
  }
}

/** Sends a request; answers the parsed JSON (undefined for 204), or throws ApiError. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(method, path, options);
  if (response.status === 401 && !SESSION_ROUTES.test(path)) {
    if (await refreshSession()) response = await send(method, path, options);
    if (response.status === 401) for (const listener of listeners) listener();
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const get = <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) => api<T>('GET', path, { query, signal });
export const post = <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}) =>
  api<T>('POST', path, { ...options, body: body ?? {} });
export const put = <T>(path: string, body?: unknown) => api<T>('PUT', path, { body: body ?? {} });
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, { body });
export const del = <T>(path: string) => api<T>('DELETE', path);
