// An EndpointSource over a fixed list of base URLs (CATALOG_URLS=…): for loopback topologies and plain setups.
import type { EndpointSource } from './endpoint-source';
import { ChangeListeners, toOrigin } from './endpoint-list';

export class StaticEndpointSource implements EndpointSource {
  private readonly urls: string[];
  private readonly listeners = new ChangeListeners();

  constructor(
    readonly name: string,
    urls: readonly string[],
  ) {
    this.urls = [...new Set(urls.map(toOrigin))];
  }

  async start(): Promise<void> {
    if (this.urls.length === 0) throw new Error(`${this.name}: no endpoint URLs configured`);
  }

  stop(): void {}

  current(): string[] {
    return [...this.urls];
  }

  async refresh(): Promise<void> {}

  requestRefresh(): void {}

  onChange(listener: (endpoints: string[]) => void): () => void {
    return this.listeners.add(listener);
  }
}
