// Judges real HTTP exchanges by the OpenAPI document: a response's status must be documented for its operation,
// its body must match the schema documented for that status and media type, and documented required headers must
// be there and valid; a request is judged by the documented parameters, security and body. Schemas are compiled
// with ajv straight out of the document, so their `$ref`s resolve into its components.
import type { JsonResponse } from '@bazar/harness';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type {
  HeaderObject,
  HttpMethod,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  Reference,
  ResponseObject,
} from '../../src/api/openapi';

const documentId = 'openapi.json';

export interface OperationMatch {
  /** e.g. `GET /info/{id}` */
  key: string;
  op: OperationObject;
  pointer: string;
  pathParams: Record<string, string>;
}

export interface SentRequest {
  headers?: Record<string, string>;
  /** The body as sent, if any. */
  body?: string | Uint8Array;
}

const escapeToken = (t: string) => encodeURIComponent(t.replace(/~/g, '~0').replace(/\//g, '~1'));
const pointerTo = (...tokens: string[]) => tokens.map((t) => `/${escapeToken(t)}`).join('');
const isReference = (x: object): x is Reference => '$ref' in x;
const mediaType = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();
const isJson = (media: string) => media === 'application/json' || media.endsWith('+json');

function newAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    // multipleOf is exact arithmetic in JSON Schema; ajv divides doubles (329927833.65 / 0.01 is not an integer
    // there), so it compares up to this many decimals, as the server does.
    multipleOfPrecision: 4,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: true,
    coerceTypes,
  });
  addFormats(ajv);
  return ajv;
}

export class OpenApiContract {
  /** Validates bodies and headers as they are. */
  private readonly ajv = newAjv(false);
  /** Validates parameters, which arrive as strings. */
  private readonly coercing = newAjv(true);
  private readonly validators = new Map<string, ValidateFunction>();
  /** Operation key → statuses answered so far. */
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly doc: OpenApiDocument) {
    for (const ajv of [this.ajv, this.coercing]) {
      // ajv compiles the whole document once a $ref points into it: its top-level fields are not JSON Schema.
      ajv.addVocabulary(Object.keys(doc));
      ajv.addSchema(doc as object, documentId);
    }
  }

  /** Compiles every component schema: a schema ajv (strict) cannot compile is a broken document. */
  compileAll(): void {
    for (const name of Object.keys(this.doc.components.schemas))
      this.validator(this.ajv, pointerTo('components', 'schemas', name));
  }

  operation(method: string, pathname: string): OperationMatch | undefined {
    const m = method.toLowerCase() as HttpMethod;
    const segments = pathname.split('/');
    for (const [template, item] of Object.entries(this.doc.paths)) {
      const op = item[m];
      const parts = template.split('/');
      if (!op || parts.length !== segments.length) continue;
      const pathParams: Record<string, string> = {};
      const fits = parts.every((part, i) => {
        const name = /^\{(.+)\}$/.exec(part)?.[1];
        if (name === undefined) return part === segments[i];
        pathParams[name] = decodeURIComponent(segments[i]!);
        return segments[i] !== '';
      });
      if (fits)
        return {
          key: `${method.toUpperCase()} ${template}`,
          op,
          pointer: pointerTo('paths', template, m),
          pathParams,
        };
    }
    return undefined;
  }

  /** What is wrong with a response to `method url` by the document; empty when it conforms. */
  responseProblems(method: string, url: string, res: JsonResponse): string[] {
    const match = this.operation(method, new URL(url).pathname);
    if (!match) return [`${method} ${new URL(url).pathname} is not a documented operation`];
    const seen = this.seen.get(match.key) ?? new Set<number>();
    this.seen.set(match.key, seen.add(res.status));
    const documented = match.op.responses[String(res.status)];
    if (!documented) return [`${match.key}: status ${res.status} is not documented`];
    const { value: response, pointer } = this.deref<ResponseObject>(
      documented,
      `${match.pointer}${pointerTo('responses', String(res.status))}`,
    );
    const where = `${match.key} ${res.status}`;
    return [
      ...this.headerProblems(where, response, pointer, res),
      ...this.bodyProblems(where, response, pointer, res),
    ];
  }

  /** What is wrong with a request by the document; empty when it conforms. */
  requestProblems(method: string, url: string, req: SentRequest): string[] {
    const u = new URL(url);
    const match = this.operation(method, u.pathname);
    if (!match) return [`${method} ${u.pathname} is not a documented operation`];
    const headers = new Headers(req.headers);
    const problems: string[] = [];
    const known = new Set<string>();
    (match.op.parameters ?? []).forEach((p, i) => {
      const { value: param, pointer } = this.deref<ParameterObject>(p, `${match.pointer}/parameters/${i}`);
      if (param.in === 'query') known.add(param.name);
      const values =
        param.in === 'path'
          ? [match.pathParams[param.name]].filter((v) => v !== undefined)
          : param.in === 'query'
            ? u.searchParams.getAll(param.name)
            : [headers.get(param.name)].filter((v) => v !== null);
      if (values.length > 1)
        problems.push(`${param.in} parameter ${param.name} given ${values.length} times`);
      if (values.length === 0 && param.required)
        problems.push(`${param.in} parameter ${param.name} is missing`);
      for (const v of values) problems.push(...this.check(this.coercing, `${pointer}/schema`, v, param.name));
    });
    for (const name of new Set(u.searchParams.keys()))
      if (!known.has(name)) problems.push(`query parameter ${name} is not documented`);
    if (match.op.security?.length && !match.op.security.some((any) => this.satisfied(any, headers)))
      problems.push(`none of the security requirements is met (${JSON.stringify(match.op.security)})`);
    return [...problems, ...this.requestBodyProblems(match, headers, req.body)];
  }

  /** All schemes of one security requirement are present (an empty one: anonymous access). */
  private satisfied(requirement: Record<string, string[]>, headers: Headers): boolean {
    return Object.keys(requirement).every((name) => {
      const scheme = this.doc.components.securitySchemes[name];
      if (scheme?.type === 'http') return /^Bearer \S+$/i.test(headers.get('authorization') ?? '');
      if (scheme?.type === 'apiKey') {
        const cookies = (headers.get('cookie') ?? '').split(';').map((c) => c.trim().split('=')[0]);
        return cookies.includes(scheme.name);
      }
      return false;
    });
  }

  private requestBodyProblems(match: OperationMatch, headers: Headers, body: SentRequest['body']): string[] {
    const spec = match.op.requestBody;
    if (body === undefined) return spec?.required ? ['the request body is missing'] : [];
    if (!spec) return ['this operation takes no body'];
    const media = mediaType(headers.get('content-type'));
    if (!spec.content[media]) return [`request media type ${media || '(none)'} is not documented`];
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
    } catch {
      return ['the request body is not JSON'];
    }
    return this.check(
      this.ajv,
      `${match.pointer}${pointerTo('requestBody', 'content', media, 'schema')}`,
      parsed,
      'body',
    );
  }

  private headerProblems(
    where: string,
    response: ResponseObject,
    pointer: string,
    res: JsonResponse,
  ): string[] {
    const problems: string[] = [];
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const { value: header, pointer: at } = this.deref<HeaderObject>(
        h,
        `${pointer}${pointerTo('headers', name)}`,
      );
      const value = res.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${where}: required header ${name} is missing`);
        continue;
      }
      problems.push(...this.check(this.ajv, `${at}/schema`, value, `${where} header ${name}`));
    }
    return problems;
  }

  private bodyProblems(
    where: string,
    response: ResponseObject,
    pointer: string,
    res: JsonResponse,
  ): string[] {
    const media = mediaType(res.headers.get('content-type'));
    if (!response.content) {
      return res.body === undefined ? [] : [`${where}: a body where none is documented`];
    }
    if (!response.content[media]) return [`${where}: media type ${media || '(none)'} is not documented`];
    if (!isJson(media) && typeof res.body !== 'string') return [`${where}: expected a text body`];
    return this.check(
      this.ajv,
      `${pointer}${pointerTo('content', media, 'schema')}`,
      res.body,
      `${where} body`,
    );
  }

  private check(ajv: Ajv2020, pointer: string, data: unknown, what: string): string[] {
    const validate = this.validator(ajv, pointer);
    if (validate(data)) return [];
    return (validate.errors ?? []).map(
      (e) => `${what}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }

  private validator(ajv: Ajv2020, pointer: string): ValidateFunction {
    const key = `${ajv === this.ajv ? 'plain' : 'coercing'}#${pointer}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `${documentId}#${pointer}` });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Follows a local `$ref` (responses, parameters, headers); returns the object and its JSON pointer. */
  private deref<T extends object>(x: T | Reference, pointer: string): { value: T; pointer: string } {
    if (!isReference(x)) return { value: x, pointer };
    const target = x.$ref.replace(/^#/, '');
    const value = target
      .split('/')
      .slice(1)
      .reduce<unknown>(
        (node, t) => (node as Record<string, unknown>)[t.replace(/~1/g, '/').replace(/~0/g, '~')],
        this.doc,
      );
    if (value === undefined) throw new Error(`dangling $ref ${x.$ref}`);
    return this.deref(value as T | Reference, target);
  }
}
