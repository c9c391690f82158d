// An address that swallows connection attempts, as a deleted pod's IP does on a real network: a socket that listens
// with a backlog of one and never accepts (a Python child, since Node accepts every connection by itself), its
// backlog filled at once, so the kernel drops every further SYN and a connect just waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const listener = [
  'import socket, sys, time',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'sys.stdin.read()', // until the test closes stdin
].join('\n');

export class Blackhole {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly fillers: Socket[],
  ) {}

  static async start(): Promise<Blackhole> {
    const child = spawn('python3', ['-c', listener], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const port = Number(line);
    // Connections the kernel completes into the backlog; once it is full, new SYNs go unanswered.
    const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => undefined));
    await once(fillers[0]!, 'connect'); // the one the backlog holds; the others wait like every later connect
    return new Blackhole(`http://127.0.0.1:${port}`, child, fillers);
  }

  async stop(): Promise<void> {
    for (const s of this.fillers) s.destroy();
    const exited = once(this.child, 'exit');
    this.child.stdin!.end();
    await exited;
  }
}
