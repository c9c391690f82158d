// A test-only gate (enabled by TEST_HOOKS=true) a test holds to stop work at a chosen step and make a race or a
// crash happen there for sure: the frontend's cache fills wait in it after loading and before storing ("a slow
// miss races a write"); the order service's purchases wait in it after the reservation and before the order.
import Router from '@koa/router';
import { z } from 'zod';
import { parseInput } from './http/validation';

export class TestGate {
  private isHeld = false;
  private waiters: Array<() => void> = [];

  get held(): boolean {
    return this.isHeld;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  hold(): void {
    this.isHeld = true;
  }

  release(): void {
    this.isHeld = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  pass(): Promise<void> {
    return this.isHeld ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}

/** POST `path` {hold} holds or releases the gate; GET `path` says how many wait in it. Mount behind a token. */
export function testGateRouter(path: string, gate: TestGate): Router {
  const router = new Router();
  router.post(path, (ctx) => {
    const { hold } = parseInput(z.strictObject({ hold: z.boolean() }), ctx.request.body, 'body');
    if (hold) gate.hold();
    else gate.release();
    ctx.body = { held: hold, waiting: gate.waiting };
  });
  router.get(path, (ctx) => {
    ctx.body = { waiting: gate.waiting };
  });
  return router;
}
