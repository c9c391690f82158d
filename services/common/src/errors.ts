// The one error family of Bazar: every failure a client sees is an AppError rendered as
// {"error":{"code","message"}} with a fitting HTTP status.
export class AppError extends Error {
  /** Headers the answer must carry (e.g. Retry-After on a 503, the Idempotency-Key to retry a purchase with). */
  readonly headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** Adds a header to the answer; returns the error for chaining. */
  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
export const unauthorized = (message = 'missing or invalid credentials') =>
  new AppError(401, 'unauthorized', message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const unavailable = (code: string, message: string) => new AppError(503, code, message);

/** Seconds a client is told to wait before retrying (Retry-After, on every 503). */
export const retryAfterSeconds = 1;

/**
 * 503 `busy`: a queue is full or the request's deadline leaves too little time to do the work. Nothing was done,
 * so a retry (after Retry-After) is safe.
 */
export const busy = (message: string) => new AppError(503, 'busy', message);

/** Codes of 503s that mean "overloaded, nothing done": not a sign that the pod that said it is broken. */
export const overloadCodes: ReadonlySet<string> = new Set(['busy', 'database_busy']);
