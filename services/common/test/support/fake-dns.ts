// A real DNS server (dns2, UDP on 127.0.0.1, free port) answering A records that a test can change, or stop
// answering altogether.
import { Packet, UDPServer } from 'dns2';

export class FakeDns {
  /** name → addresses; a missing name gets an empty answer. */
  readonly records = new Map<string, string[]>();
  /** When false, queries are read and dropped: the resolver times out. */
  answering = true;
  /** Arrival times of every query, answered or not. */
  readonly queries: number[] = [];
  private readonly server: InstanceType<typeof UDPServer>;

  private constructor() {
    this.server = new UDPServer((request, send) => {
      this.queries.push(Date.now());
      if (!this.answering) return;
      const response = Packet.createResponseFromRequest(request);
      for (const q of request.questions) {
        if (q.type !== Packet.TYPE.A) continue;
        for (const address of this.records.get(q.name) ?? [])
          response.answers.push(Packet.createResourceFromQuestion(q, { ttl: 1, address }));
      }
      void send(response);
    });
  }

  static async start(): Promise<FakeDns> {
    const dns = new FakeDns();
    await dns.server.listen(0, '127.0.0.1');
    return dns;
  }

  /** `127.0.0.1:<port>`, as DNS_SERVER takes it. */
  get address(): string {
    return `127.0.0.1:${this.server.address().port}`;
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
  }
}
