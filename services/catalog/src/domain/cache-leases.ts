// Cache leases, the writer's side (DESIGN I2, I4, I12). A frontend pod serves cache hits only while it holds a
// fresh lease from every catalog pod it knows; it asks each one for a lease every few hundred milliseconds, naming
// itself by the URL the catalog pods reach it at. When this pod cannot tell a frontend pod about a write, it stops
// granting that pod leases (until a push reaches it again) and holds the write back until the last lease it
// granted there has surely run out:
// the frontend counts its lease from before it asked, this pod from when it granted (same clock rate assumed, as
// for the replica read lease), so the frontend's ends first. A pod whose lease lapsed wipes its cache before it
// serves hits again, so nothing it missed meanwhile survives. A pod that shuts down releases its leases first: it
// serves no hit from then on, so no write waits for it once it is gone. A pod that drops out of discovery while a
// lease granted to it still runs is told of writes (or waited out) like the listed ones until that lease ends.
import { performance } from 'node:perf_hooks';

export interface CacheLeaseOptions {
  leaseMs: number;
  /**
   * A frontend pod this catalog pod never granted a lease may still learn of it late (discovery): it is taken to
   * hold one until this long after the pod started, plus a lease.
   */
  discoveryGraceMs: number;
  /** The frontend pods this pod pushes to: only those may hold its leases. */
  frontends: () => string[];
}

export class CacheLeaseGrants {
  readonly stats = { granted: 0, refused: 0, fenced: 0, released: 0 };
  private readonly startedAt = performance.now();
  /** Frontend URL → when the last lease granted to it ends (this pod's clock). */
  private readonly grantedUntil = new Map<string, number>();
  /** Frontend URLs a push could not reach: no lease for them until one reaches them again. */
  private readonly fenced = new Set<string>();
  /** Frontend URLs that released their leases (shutting down): not told of writes until they ask again. */
  private readonly released = new Set<string>();

  constructor(private readonly opts: CacheLeaseOptions) {}

  /** A lease for `frontend`, in ms, or null: it is fenced, or not a frontend pod this pod tells of its writes. */
  grant(frontend: string): number | null {
    const now = performance.now();
    if (this.fenced.has(frontend) || !this.opts.frontends().includes(frontend)) {
      this.stats.refused++;
      return null;
    }
    this.released.delete(frontend);
    this.grantedUntil.set(frontend, now + this.opts.leaseMs);
    this.stats.granted++;
    return this.opts.leaseMs;
  }

  /**
   * `frontend` is shutting down and has stopped serving hits: every lease granted to it ends now, and writes need
   * not reach it. Asking for a lease again (the same URL restarted) undoes this; that lease starts after a lapse, so
   * the pod wipes its cache before it serves hits.
   */
  release(frontend: string): void {
    this.grantedUntil.set(frontend, performance.now());
    this.fenced.delete(frontend);
    this.released.add(frontend);
    this.stats.released++;
  }

  /**
   * The frontend pods a write must reach (or wait out): the listed ones and any other still holding a lease this
   * pod granted (it dropped out of discovery, but may serve hits until the lease ends), less those that released.
   */
  toTell(listed: string[]): string[] {
    const now = performance.now();
    const holders = [...this.grantedUntil].filter(([, until]) => until > now).map(([url]) => url);
    return [...new Set([...listed, ...holders])].filter((url) => !this.released.has(url));
  }

  /** Stops leasing to `frontend`; returns in ms how long until no lease this pod granted it can be valid. */
  fence(frontend: string): number {
    const until =
      this.grantedUntil.get(frontend) ?? this.startedAt + this.opts.discoveryGraceMs + this.opts.leaseMs;
    if (!this.fenced.has(frontend)) this.stats.fenced++;
    this.fenced.add(frontend);
    return Math.max(0, until - performance.now());
  }

  /**
   * A push reached `frontend`. A fenced pod may have leases again once the last one it was granted has run out
   * (none was granted while fenced): having seen its lease lapse, it wipes its cache before serving hits. Before
   * that, a new lease would extend the old one over whatever the pod missed.
   */
  reached(frontend: string): void {
    if (!this.fenced.has(frontend)) return;
    if ((this.grantedUntil.get(frontend) ?? 0) <= performance.now()) this.fenced.delete(frontend);
  }

  /** The frontend pods now fenced. */
  get fencedPods(): string[] {
    return [...this.fenced];
  }
}
