// A test-only gate in the cache's miss path (enabled by TEST_HOOKS=true): while held, every fill waits after it
// has loaded from upstream and before it stores, so a test can make "a slow miss races a write" happen for sure.
export class FillGate {
  private held = false;
  private waiters: Array<() => void> = [];

  get waiting(): number {
    return this.waiters.length;
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  pass(): Promise<void> {
    return this.held ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}
