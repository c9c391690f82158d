// The last N lines a process printed, kept in memory so a failing test can show them.

export class LineBuffer {
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly capacity = 500) {}

  push(line: string): void {
    // Overwrite in place once full: no array shifting per line from a chatty service.
    if (this.ring.length < this.capacity) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first; the last `count` lines if given. */
  lines(count?: number): string[] {
    const ordered =
      this.ring.length < this.capacity
        ? [...this.ring]
        : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return count === undefined ? ordered : ordered.slice(-count);
  }
}
