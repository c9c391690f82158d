// Public surface of @bazar/common.
export * from './config';
export * from './errors';
export * from './logger';
export * from './lifecycle';
export * from './settings';
export * from './http/base-app';
export * from './http/bearer-auth';
export * from './http/error-middleware';
export * from './http/validation';
export * from './db/database';
export * from './db/create-database';
export * from './db/errors';
export * from './db/replica-monitor';
export * from './upstream/upstream-client';
export * from './http/replication-route';
export * from './paging';
