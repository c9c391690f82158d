// The OpenAPI 3.1 document of the frontend's public API, served at /openapi.json. It describes what the routes
// really answer (test/openapi-matches-responses.test.ts checks real responses against it), so response schemas
// are closed (`additionalProperties: false`) wherever the server's output is fixed. 3.1 rather than 3.0: its
// Schema Object is plain JSON Schema 2020-12, so the very schemas published here validate responses as they are.
// Internal endpoints (/internal/*) are deliberately absent.
import { cursorPattern, maxStock, topicPattern } from '@bazar/common';

type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

export interface SchemaObject {
  $ref?: string;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  minProperties?: number;
  items?: SchemaObject;
  enum?: (string | number | null)[];
  const?: string | number | boolean;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  multipleOf?: number;
  default?: unknown;
  examples?: unknown[];
  not?: SchemaObject;
}

export interface Reference {
  $ref: string;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: SchemaObject;
}

export interface HeaderObject {
  description?: string;
  required?: boolean;
  schema: SchemaObject;
}

export interface MediaTypeObject {
  schema: SchemaObject;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
}

export interface RequestBodyObject {
  description?: string;
  required?: boolean;
  content: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject | Reference>;
}

export type HttpMethod = 'get' | 'post' | 'patch';
export type PathItemObject = Partial<Record<HttpMethod, OperationObject>>;

export type SecurityScheme =
  | { type: 'http'; scheme: 'bearer'; description: string }
  | { type: 'apiKey'; in: 'cookie'; name: string; description: string };

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: {
    title: string;
    version: string;
    description: string;
    license: { name: string; identifier: string };
  };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    responses: Record<string, ResponseObject>;
    securitySchemes: Record<string, SecurityScheme>;
  };
}

const schema = (name: string): Reference => ({ $ref: `#/components/schemas/${name}` });
const ref = (kind: 'parameters' | 'headers' | 'responses', name: string): Reference => ({
  $ref: `#/components/${kind}/${name}`,
});
const json = (s: SchemaObject) => ({ 'application/json': { schema: s } });
const servedBy = { 'X-Served-By': ref('headers', 'XServedBy') };

/** A success answer: JSON body, X-Served-By, and any further headers. */
const ok = (
  description: string,
  body: SchemaObject,
  headers: ResponseObject['headers'] = {},
): ResponseObject => ({
  description,
  headers: { ...servedBy, ...headers },
  content: json(body),
});

/** An error answer in the one shared shape; `description` names the codes it may carry. */
const failure = (description: string, headers: ResponseObject['headers'] = {}): ResponseObject => ({
  description,
  headers: { ...servedBy, ...headers },
  content: json(schema('Error')),
});

const cached = { 'X-Cache': ref('headers', 'XCache') };
const internal = { '500': ref('responses', 'Internal') };
const bodyErrors = {
  '413': ref('responses', 'PayloadTooLarge'),
  '415': ref('responses', 'UnsupportedMediaType'),
};
const readUnavailable = failure(
  '`upstream_unavailable` (no pod of the upstream service answered), `database_busy` (the primary has no free connection) or `database_unavailable` (no database server could answer the read). Retry after `Retry-After` seconds.',
  { 'Retry-After': ref('headers', 'RetryAfter') },
);
const nullableCursor: SchemaObject = {
  type: ['string', 'null'],
  description: 'Pass back as `cursor` for the next page; null on the last page.',
};
/** A page position (common/src/paging.ts): any value of the pattern is one, so none is refused. */
function cursorParameter(kind: string, meaning: string): ParameterObject {
  return {
    name: 'cursor',
    in: 'query',
    required: false,
    description: `The previous page's \`nextCursor\`: \`${kind}\` and a number (${meaning}).`,
    schema: { type: 'string', pattern: cursorPattern(kind).source },
  };
}
const count: SchemaObject = { type: 'integer', minimum: 0 };

const schemas: Record<string, SchemaObject> = {
  Error: {
    type: 'object',
    description: 'Every error, whatever its status.',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', pattern: '^[a-z][a-z_]*$', description: 'Stable, machine-readable.' },
          message: { type: 'string', description: 'For people; may change.' },
        },
      },
    },
  },
  Book: {
    type: 'object',
    required: ['id', 'title', 'topic', 'price', 'quantity', 'version'],
    additionalProperties: false,
    properties: {
      id: { type: 'integer', minimum: 1 },
      title: { type: 'string', minLength: 1 },
      topic: { type: 'string', minLength: 1 },
      price: { type: 'number', exclusiveMinimum: 0, description: 'At most two decimals.' },
      quantity: { ...count, description: 'Copies in stock.' },
      version: { type: 'integer', minimum: 1, description: 'Grows with every write of the book.' },
    },
  },
  BookSummary: {
    type: 'object',
    required: ['id', 'title'],
    additionalProperties: false,
    properties: { id: { type: 'integer', minimum: 1 }, title: { type: 'string', minLength: 1 } },
  },
  SearchPage: {
    type: 'object',
    required: ['topic', 'items', 'nextCursor'],
    additionalProperties: false,
    properties: {
      topic: { type: 'string', description: 'The topic searched for, trimmed, as given.' },
      items: { type: 'array', items: schema('BookSummary') },
      nextCursor: nullableCursor,
    },
  },
  BookChange: {
    type: 'object',
    description: 'At least one field; `quantity` and `quantityDelta` exclude each other.',
    minProperties: 1,
    additionalProperties: false,
    not: { required: ['quantity', 'quantityDelta'] },
    properties: {
      price: {
        type: 'number',
        minimum: 0.01,
        maximum: 1_000_000_000,
        multipleOf: 0.01,
        description: 'At most two decimals.',
      },
      quantity: { type: 'integer', minimum: 0, maximum: maxStock, description: 'New stock.' },
      quantityDelta: {
        type: 'integer',
        minimum: -maxStock,
        maximum: maxStock,
        description: `Added to the stock; the result must stay within 0..${maxStock} (409 \`insufficient_stock\` below, \`stock_limit\` above).`,
      },
    },
  },
  Order: {
    type: 'object',
    required: ['orderId', 'bookId', 'title', 'price', 'createdAt'],
    additionalProperties: false,
    properties: {
      orderId: { type: 'string', format: 'uuid' },
      bookId: { type: 'integer', minimum: 1 },
      title: { type: 'string', minLength: 1 },
      price: { type: 'number', exclusiveMinimum: 0, description: 'The price paid.' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  OrderPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: schema('Order') }, nextCursor: nullableCursor },
  },
  CacheStats: {
    type: 'object',
    required: [
      'store',
      'entries',
      'hits',
      'misses',
      'hitRatio',
      'evictions',
      'invalidations',
      'staleFillsRejected',
    ],
    additionalProperties: false,
    properties: {
      store: { type: 'string', enum: ['memory', 'redis'] },
      entries: count,
      hits: count,
      misses: count,
      hitRatio: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description: 'hits / (hits + misses); 0 before any read.',
      },
      evictions: count,
      invalidations: count,
      staleFillsRejected: count,
    },
  },
  EndpointSnapshot: {
    type: 'object',
    required: [
      'url',
      'healthy',
      'consecutiveFailures',
      'ejectedUntil',
      'lastError',
      'lastLatencyMs',
      'requests',
    ],
    additionalProperties: false,
    properties: {
      url: { type: 'string', format: 'uri' },
      healthy: { type: 'boolean' },
      consecutiveFailures: count,
      ejectedUntil: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'While ejected: when the next probe is due; null while healthy.',
      },
      lastError: { type: ['string', 'null'] },
      lastLatencyMs: { type: ['integer', 'null'], minimum: 0 },
      requests: count,
    },
  },
  Replicas: {
    type: 'object',
    required: ['catalog', 'order'],
    additionalProperties: false,
    properties: {
      catalog: { type: 'array', items: schema('EndpointSnapshot') },
      order: { type: 'array', items: schema('EndpointSnapshot') },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    additionalProperties: false,
    properties: { status: { const: 'ok' } },
  },
  Ready: {
    type: 'object',
    required: ['status'],
    additionalProperties: false,
    properties: { status: { const: 'ready' } },
  },
  OpenApi: {
    type: 'object',
    description: 'This document.',
    required: ['openapi', 'info', 'paths'],
    properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
  },
};

const pageParameters = (cursor: 'SearchCursor' | 'OrderCursor'): (ParameterObject | Reference)[] => [
  ref('parameters', 'Limit'),
  ref('parameters', cursor),
];

const paths: Record<string, PathItemObject> = {
  '/search/{topic}': {
    get: {
      operationId: 'searchBooks',
      tags: ['books'],
      summary: 'Books of a topic, by id',
      description: 'The topic is matched case-insensitively; an unknown topic gives an empty page. Cached.',
      parameters: [
        {
          name: 'topic',
          in: 'path',
          required: true,
          description: 'At most 200 characters, not blank, no control characters; trimmed before the search.',
          schema: { type: 'string', minLength: 1, maxLength: 200, pattern: topicPattern },
        },
        ...pageParameters('SearchCursor'),
      ],
      responses: {
        '200': ok('One page of the topic.', schema('SearchPage'), cached),
        '400': failure(
          '`invalid_input` (blank or long topic, bad `limit`, unknown query parameter) or `invalid_cursor`.',
        ),
        '503': readUnavailable,
        ...internal,
      },
    },
  },
  '/info/{id}': {
    get: {
      operationId: 'getBook',
      tags: ['books'],
      summary: 'One book',
      description: 'Cached; never older than a write this client saw acknowledged.',
      parameters: [ref('parameters', 'BookId')],
      responses: {
        '200': ok('The book.', schema('Book'), cached),
        '400': failure('`invalid_input`: the id is not a positive integer.'),
        '404': failure('`not_found`: no such book.'),
        '503': readUnavailable,
        ...internal,
      },
    },
  },
  '/purchase/{id}': {
    post: {
      operationId: 'purchaseBook',
      tags: ['orders'],
      summary: 'Buy one copy',
      description:
        'Takes no body (one that is sent must be JSON within the size limit, and is ignored). With the same ' +
        '`Idempotency-Key`, through any frontend pod, a repeat returns the first order (200) and buys nothing more. ' +
        'The purchase is the customer’s: without a session cookie, a new session starts (`Set-Cookie`); keys are ' +
        'per customer, so a retry must send the cookie back, and the same key from another customer is another ' +
        'purchase.',
      security: [{ customerSession: [] }, {}],
      parameters: [
        ref('parameters', 'BookId'),
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            '1–128 visible ASCII characters (an empty value is refused). Without it, the frontend makes a key and ' +
            'returns it in the response header: retry with that key.',
          schema: { type: 'string', pattern: '^[!-~]{1,128}$' },
        },
      ],
      responses: {
        '201': ok('A new order.', schema('Order'), {
          'Idempotency-Key': ref('headers', 'IdempotencyKey'),
          'Set-Cookie': ref('headers', 'SetCustomerCookie'),
        }),
        '200': ok('The order this `Idempotency-Key` placed before (a replay).', schema('Order'), {
          'Idempotency-Key': ref('headers', 'IdempotencyKey'),
          'Set-Cookie': ref('headers', 'SetCustomerCookie'),
        }),
        '400': failure('`invalid_input` (bad id), `invalid_idempotency_key` or `invalid_json`.'),
        '404': failure('`not_found`: no such book.'),
        '403': failure(
          '`cross_site_request`: sent from another site (`Origin`, `Sec-Fetch-Site`); nothing bought.',
        ),
        '409': failure('`out_of_stock`, or `idempotency_conflict` (the key already bought another book).'),
        ...bodyErrors,
        '503': failure(
          'The purchase could not be settled within the request deadline (`REQUEST_DEADLINE_MS`). `busy` or ' +
            '`database_busy`: too many buyers right now, nothing was bought. `primary_unavailable`, ' +
            '`database_timeout`, `database_unavailable`, `upstream_unavailable` or `purchase_unconfirmed`: it may or may not have ' +
            'happened. Either way, wait `Retry-After` seconds and retry with the `Idempotency-Key` of this answer: ' +
            'the retry returns the real outcome (201/200 with the order, or 409) and never buys twice.',
          {
            'Retry-After': ref('headers', 'RetryAfter'),
            'Idempotency-Key': ref('headers', 'IdempotencyKey'),
          },
        ),
        ...internal,
      },
    },
  },
  '/books/{id}': {
    patch: {
      operationId: 'updateBook',
      tags: ['books'],
      summary: 'Change price or stock (admin)',
      description: 'Acknowledged only once every frontend pod has heard of the new version.',
      security: [{ adminBearer: [] }],
      parameters: [ref('parameters', 'BookId')],
      requestBody: { required: true, content: json(schema('BookChange')) },
      responses: {
        '200': ok('The updated book.', schema('Book')),
        '400': failure('`invalid_input` (bad id or body) or `invalid_json`.'),
        '403': failure(
          '`cross_site_request`: sent from another site (`Origin`, `Sec-Fetch-Site`); nothing changed.',
        ),
        '401': failure('`unauthorized`: missing or wrong admin token.', {
          'WWW-Authenticate': ref('headers', 'WwwAuthenticate'),
        }),
        '404': failure('`not_found`: no such book.'),
        '409': failure(
          `\`insufficient_stock\` or \`stock_limit\`: \`quantityDelta\` would take the stock below zero or above ${maxStock}.`,
        ),
        ...bodyErrors,
        '503': failure(
          '`upstream_unavailable`, `primary_unavailable`, `database_timeout` or `database_unavailable`.',
        ),
        ...internal,
      },
    },
  },
  '/orders': {
    get: {
      operationId: 'listOrders',
      tags: ['orders'],
      summary: 'Orders, newest first: the shopper’s own, or every order (admin)',
      description:
        'With the customer session cookie, that customer’s orders; with the admin token, every order; with ' +
        'neither, an empty page (a visitor who has bought nothing).',
      security: [{ customerSession: [] }, { adminBearer: [] }, {}],
      parameters: pageParameters('OrderCursor'),
      responses: {
        '200': ok('One page of orders.', schema('OrderPage')),
        '401': failure('`unauthorized`: an `Authorization` header that is not the admin token.', {
          'WWW-Authenticate': ref('headers', 'WwwAuthenticate'),
        }),
        '400': failure('`invalid_input` (bad `limit`, unknown query parameter) or `invalid_cursor`.'),
        '503': readUnavailable,
        ...internal,
      },
    },
  },
  '/orders/{id}': {
    get: {
      operationId: 'getOrder',
      tags: ['orders'],
      summary: 'One order: the shopper’s own, or any (admin)',
      security: [{ customerSession: [] }, { adminBearer: [] }, {}],
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The order id.',
          schema: { type: 'string', format: 'uuid' },
        },
      ],
      responses: {
        '200': ok('The order.', schema('Order')),
        '400': failure('`invalid_input`: the id is not a UUID.'),
        '401': failure('`unauthorized`: an `Authorization` header that is not the admin token.', {
          'WWW-Authenticate': ref('headers', 'WwwAuthenticate'),
        }),
        '404': failure('`not_found`: no such order, or not this customer’s (the answer does not say which).'),
        '503': readUnavailable,
        ...internal,
      },
    },
  },
  '/cache/stats': {
    get: {
      operationId: 'getCacheStats',
      tags: ['ops'],
      summary: "This pod's cache counters",
      responses: { '200': ok('Counters since the pod started.', schema('CacheStats')), ...internal },
    },
  },
  '/replicas': {
    get: {
      operationId: 'getReplicas',
      tags: ['ops'],
      summary: 'Catalog and order endpoints this pod balances over, with their health (admin)',
      description: 'Names every pod and its address, so it needs the admin token.',
      security: [{ adminBearer: [] }],
      responses: {
        '200': ok('The endpoints.', schema('Replicas')),
        '401': failure('`unauthorized`: missing or wrong admin token.', {
          'WWW-Authenticate': ref('headers', 'WwwAuthenticate'),
        }),
      },
    },
  },
  '/healthz': {
    get: {
      operationId: 'getLiveness',
      tags: ['ops'],
      summary: 'Liveness',
      responses: { '200': ok('The process is up.', schema('Health')) },
    },
  },
  '/readyz': {
    get: {
      operationId: 'getReadiness',
      tags: ['ops'],
      summary: 'Readiness',
      responses: {
        '200': ok('Catalog and order endpoints are known and the cache store answers.', schema('Ready')),
        '503': failure('`not_ready`: dependencies unavailable.'),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['ops'],
      summary: 'This document',
      responses: { '200': ok('The OpenAPI document of the public API.', schema('OpenApi')) },
    },
  },
};

// Every operation but the probes counts against the client's rate limit.
for (const item of Object.values(paths)) {
  for (const op of Object.values(item)) {
    if (op.operationId !== 'getLiveness' && op.operationId !== 'getReadiness') {
      op.responses['429'] = ref('responses', 'RateLimited');
    }
  }
}

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Bazar public API',
    version: '0.1.0',
    description:
      'The frontend of Bazar, a replicated, cached bookstore. JSON in and out; every error is ' +
      '`{"error":{"code","message"}}`. Every response names the pods that served it in `X-Served-By`. A known ' +
      'path with a method it does not take answers 405 `method_not_allowed`; an unknown path 404 `not_found`.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  tags: [
    { name: 'books', description: 'Searching, reading and (admin) changing books.' },
    { name: 'orders', description: 'Purchases and order history.' },
    { name: 'ops', description: 'Health, metrics, cache and replica state.' },
  ],
  paths,
  components: {
    schemas,
    parameters: {
      BookId: {
        name: 'id',
        in: 'path',
        required: true,
        description:
          'The book id: a positive decimal integer (no sign, no leading zeros, at most 15 digits).',
        schema: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' },
      },
      Limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Page size.',
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
      SearchCursor: cursorParameter('b', 'books after the book id'),
      OrderCursor: cursorParameter('o', 'orders before the order sequence number'),
    },
    headers: {
      XServedBy: {
        description:
          'The frontend pod, then the upstream pod that produced the data, if any (e.g. `frontend-0, catalog-1`).',
        required: true,
        schema: { type: 'string', minLength: 1 },
      },
      XCache: {
        description: 'Whether this pod answered from its cache.',
        required: true,
        schema: { type: 'string', enum: ['HIT', 'MISS'] },
      },
      IdempotencyKey: {
        description:
          'The key sent, or the one the frontend made when none was sent; a retry with it reaches this order.',
        required: true,
        schema: { type: 'string', pattern: '^[!-~]{1,128}$' },
      },
      RetryAfter: {
        description: 'Seconds to wait before retrying.',
        required: true,
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
      WwwAuthenticate: { required: true, schema: { type: 'string', const: 'Bearer' } },
      SetCustomerCookie: {
        description:
          'Only when the request had no valid session: `bazar_customer` and its signature `bazar_customer.sig`, ' +
          'HttpOnly, SameSite=Strict.',
        required: false,
        schema: { type: 'string' },
      },
    },
    responses: {
      PayloadTooLarge: failure('`payload_too_large`: the body is over the size limit (64 kB by default).'),
      UnsupportedMediaType: failure('`unsupported_media_type`: a body that is not `application/json`.'),
      Internal: failure('`internal`: an unexpected failure (logged).'),
      RateLimited: failure(
        '`rate_limited`: this client (address) sent more requests, or purchases, than its limit ' +
          '(`RATE_LIMIT_REQUESTS`, `RATE_LIMIT_PURCHASES` per `RATE_LIMIT_WINDOW_S`); nothing was done. Retry after ' +
          '`Retry-After` seconds.',
        { 'Retry-After': ref('headers', 'RetryAfter') },
      ),
    },
    securitySchemes: {
      adminBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'The admin token (ADMIN_TOKEN), as `Authorization: Bearer <token>`.',
      },
      customerSession: {
        type: 'apiKey',
        in: 'cookie',
        name: 'bazar_customer',
        description:
          'The anonymous customer session a first purchase starts (with its signature cookie ' +
          '`bazar_customer.sig`). API clients keep it in a cookie jar.',
      },
    },
  },
};
