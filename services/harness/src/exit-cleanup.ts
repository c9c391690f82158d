// Last-chance cleanup when the test (or `npm start`) process exits without stopping what it started.
//
// Only the synchronous 'exit' event is hooked: it fires for process.exit() (mocha --exit) and a
// normal end. A hard kill of this process cannot be intercepted; Ctrl-C still reaches our service
// children through the terminal's process group (Postgres is detached by pg_ctl and is not).

type ExitHook = () => void;

const hooks = new Set<ExitHook>();
let installed = false;

/** Registers a synchronous hook; returns a function that unregisters it. */
export function onProcessExit(hook: ExitHook): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runHooks);
  }
  hooks.add(hook);
  return () => hooks.delete(hook);
}

function runHooks(): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // Exiting anyway: one failing hook must not stop the others from running.
    }
  }
  hooks.clear();
}
