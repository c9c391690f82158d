// Declarative service configuration: every setting names its env variable, schema (with default) and meaning,
// and is validated once at start. Nothing else in a service reads process.env.
import { z } from 'zod';

export interface Setting<T extends z.ZodType = z.ZodType> {
  env: string;
  schema: T;
  description: string;
}

export function setting<T extends z.ZodType>(env: string, schema: T, description: string): Setting<T> {
  return { env, schema, description };
}

export type ConfigOf<S extends Record<string, Setting>> = { [K in keyof S]: z.output<S[K]['schema']> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates every declared setting against `env`; reports all bad settings at once, by env name. */
export function loadConfig<S extends Record<string, Setting>>(
  settings: S,
  env: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(settings)) {
    const raw = env[s.env];
    const parsed = s.schema.safeParse(raw === '' ? undefined : raw);
    if (parsed.success) out[key] = parsed.data;
    else
      problems.push(`${s.env}: ${parsed.error.issues.map((i) => i.message).join('; ')} (${s.description})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** Schemas that read well in declarations. */
export const env = {
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  int: (def: number, min = 0) => z.coerce.number().int().min(min).default(def),
  string: (def: string) => z.string().min(1).default(def),
  requiredString: () => z.string({ error: 'is required' }).min(1),
  secret: () => z.string({ error: 'is required' }).min(16, 'must be at least 16 characters'),
  url: () => z.url({ error: 'must be a URL' }),
  flag: (def: boolean) =>
    z
      .enum(['true', 'false'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true'),
  list: (def: string[] = []) =>
    z
      .string()
      .default(def.join(','))
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
