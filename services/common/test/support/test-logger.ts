// A pino logger that keeps its lines in memory, so tests can check what was logged (and keep the output quiet).
import pino from 'pino';
import type { Logger } from '../../src/logger';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function memoryLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { log, lines };
}

export const WARN = 40;
