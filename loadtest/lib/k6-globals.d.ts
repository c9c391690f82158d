// k6 gives scripts a console (log, info, warn, error, debug); @types/k6 leaves it out, and the DOM lib would
// bring far more than k6 has.
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
