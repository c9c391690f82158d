// The one error middleware, first in every chain: whatever goes wrong below it, the client gets
// {"error":{"code","message"}} with a fitting status, never HTML or a stack trace.
import type Koa from 'koa';
import { AppError, retryAfterSeconds } from '../errors';
import type { Logger } from '../logger';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

// Errors thrown by koa/co-body carry a status and a `type`; give each a stable code.
const codeForBodyError: Record<string, string> = {
  'entity.too.large': 'payload_too_large',
  'entity.parse.failed': 'invalid_json',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'invalid_request_size',
};

const codeForStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'not_implemented',
};

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as HttpishError;
  const status = e.status ?? e.statusCode;
  // A body that says it is compressed but is not: zlib's error, without an HTTP status.
  if (typeof (err as { code?: unknown })?.code === 'string' && /^Z_/.test((err as { code: string }).code)) {
    return new AppError(400, 'invalid_encoding', 'the body is not encoded as its Content-Encoding says');
  }
  // co-body rethrows JSON.parse's SyntaxError with status 400 and no `type`
  if (err instanceof SyntaxError && status === 400)
    return new AppError(400, 'invalid_json', 'body is not valid JSON');
  if (typeof status === 'number' && ((status >= 400 && status < 500) || status === 501)) {
    const code = (e.type && codeForBodyError[e.type]) ?? codeForStatus[status] ?? 'bad_request';
    return new AppError(status, code, e.expose && e.message ? e.message : code.replace(/_/g, ' '));
  }
  return undefined;
}

export function errorMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
      // The router's answer for a known path with another method (501 for one it does not know, e.g. TRACE).
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        const allow = ctx.response.get('Allow');
        throw new AppError(
          405,
          'method_not_allowed',
          `${ctx.method} is not allowed here; use ${allow}`,
        ).withHeader('Allow', allow);
      }
    } catch (err) {
      const known = toAppError(err);
      const appErr = known ?? new AppError(500, 'internal', 'internal error');
      if (!known || appErr.status >= 500)
        log.error({ err, path: ctx.path, method: ctx.method }, 'request failed');
      ctx.status = appErr.status;
      ctx.body = { error: { code: appErr.code, message: appErr.message } };
      if (appErr.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      for (const [name, value] of Object.entries(appErr.headers)) ctx.set(name, value);
      if (appErr.status === 503 && !ctx.response.get('Retry-After'))
        ctx.set('Retry-After', String(retryAfterSeconds));
    }
  };
}
