// Helpers the endpoint sources share (internal to discovery/).
/** Listener bookkeeping shared by the sources. */
export class ChangeListeners {
  private readonly listeners = new Set<(endpoints: string[]) => void>();

  add(listener: (endpoints: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(endpoints: string[]): void {
    for (const l of [...this.listeners]) l([...endpoints]);
  }
}

/** `http://10.0.0.7:7001/` → `http://10.0.0.7:7001`: a pool is keyed by origin; paths are not supported. */
export function toOrigin(url: string): string {
  const u = new URL(url);
  if (u.pathname !== '/' || u.search || u.hash)
    throw new Error(`${url}: an upstream URL is scheme://host:port, without a path`);
  return u.origin;
}

export const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);
