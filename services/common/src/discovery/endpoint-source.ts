// What a balancer needs from service discovery: the current base URLs of one upstream service's pods, kept fresh,
// with a notification when the list changes. Implementations: a static list, or a DNS name (headless Service).
export interface EndpointSource {
  /** The upstream's name, for logs and errors. */
  readonly name: string;
  /** First resolution; rejects with a clear error if it yields no endpoint before its deadline. */
  start(): Promise<void>;
  /** Stops refreshing; `current()` keeps the last list. */
  stop(): void;
  /** Base URLs (`scheme://host:port`, no trailing slash) known now; never emptied by a failed lookup. */
  current(): string[];
  /** Looks the endpoints up now (concurrent calls share one lookup); never rejects, keeps the last list on failure. */
  refresh(): Promise<void>;
  /** Asks for a refresh soon because an endpoint failed; rate-limited, fire and forget. */
  requestRefresh(): void;
  /** Calls `listener` with the new list whenever it changes; returns the unsubscribe function. */
  onChange(listener: (endpoints: string[]) => void): () => void;
}
