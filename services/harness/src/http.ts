// A small JSON-over-HTTP caller for tests and tools: never throws on an HTTP status, only on no answer.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on arbitrary JSON
export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (for malformed-input tests); overrides `body`. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see JsonResponse
export async function callJson<T = any>(
  method: string,
  url: string,
  opts: CallOptions = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined = opts.rawBody;
  if (body === undefined && opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const started = performance.now();
  const res = await fetch(url, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // left as text: the caller asserts on it
  }
  return { status: res.status, body: parsed as T, headers: res.headers, ms: performance.now() - started };
}
