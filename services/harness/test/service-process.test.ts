// Proves ServiceProcess runs a service as its own OS process: ready only when /readyz says so,
// killed, restarted on the same port, stopped gracefully or forcibly, and its output kept.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, ServiceProcess, waitFor, type ServiceProcessOptions } from '../src';

// A stand-in for a service's main.js: not ready for its first few probes, drains on SIGTERM.
const FAKE_SERVICE = `
const http = require('node:http');
if (process.env.FAIL_AT_START) {
  console.error('invalid setting: ' + process.env.FAIL_AT_START);
  process.exit(3);
}
let probes = 0;
// SLOW_START_MS: not ready until then, printing a line every 100 ms meanwhile (a slow start that makes progress).
// HANG: never ready, silent and idle (a start that is stuck).
const readyAfter = Date.now() + Number(process.env.SLOW_START_MS ?? 0);
if (process.env.SLOW_START_MS) {
  const t = setInterval(() => (Date.now() < readyAfter ? console.log('warming up') : clearInterval(t)), 100);
}
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') {
    probes += 1;
    const ready = !process.env.HANG && Date.now() >= readyAfter && probes > Number(process.env.NOT_READY_PROBES ?? 0);
    res.writeHead(ready ? 200 : 503).end();
  } else if (req.url === '/env') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.env));
  } else {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => {
  if (process.env.IGNORE_SIGTERM) return console.log('ignoring SIGTERM');
  console.log('draining');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ServiceProcess', function () {
  this.timeout(30_000);
  let workDir: string;
  let entry: string;
  const services: ServiceProcess[] = [];

  async function fakeService(overrides: Partial<ServiceProcessOptions> = {}): Promise<ServiceProcess> {
    const service = new ServiceProcess({ name: 'fake', entry, port: await freePort(), ...overrides });
    services.push(service);
    return service;
  }

  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'bazar-harness-test-'));
    entry = join(workDir, 'fake-service.js');
    writeFileSync(entry, FAKE_SERVICE);
  });

  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.kill()));
  });

  after(() => rmSync(workDir, { recursive: true, force: true }));

  it('starts once /readyz answers 200, with only PATH, HOME, its env and PORT', async () => {
    process.env.HARNESS_SHOULD_NOT_LEAK = 'leak';
    const service = await fakeService({ env: { NOT_READY_PROBES: '3', GREETING: 'hello' } });
    await service.start();
    delete process.env.HARNESS_SHOULD_NOT_LEAK;

    assert.equal(service.running, true);
    const env = (await (await fetch(`${service.url}/env`)).json()) as Record<string, string>;
    assert.equal(env.GREETING, 'hello');
    assert.equal(env.PORT, String(service.port));
    assert.equal(env.HARNESS_SHOULD_NOT_LEAK, undefined);
    assert.ok(service.output().includes(`listening on ${service.port}`));
  });

  it('kills the process and resolves once it has exited', async () => {
    const service = await fakeService();
    await service.start();
    const pid = service.pid;
    assert.ok(pid !== undefined);

    await service.kill();
    assert.equal(service.running, false);
    assert.deepEqual(service.lastExit, { code: null, signal: 'SIGKILL' });
    assert.equal(isAlive(pid), false);
    await assert.rejects(fetch(`${service.url}/readyz`));
  });

  it('restarts on the same port as a new process', async () => {
    const service = await fakeService();
    await service.start();
    const firstPid = service.pid;

    await service.restart();
    assert.equal(service.running, true);
    assert.notEqual(service.pid, firstPid);
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
  });

  it('stops gracefully with SIGTERM', async () => {
    const service = await fakeService();
    await service.start();
    await service.stop();
    assert.deepEqual(service.lastExit, { code: 0, signal: null });
    assert.ok(service.output().includes('draining'));
  });

  it('escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const service = await fakeService({ env: { IGNORE_SIGTERM: '1' }, stopTimeoutMs: 300 });
    await service.start();
    await service.stop();
    assert.deepEqual(service.lastExit, { code: null, signal: 'SIGKILL' });
  });

  it('rejects with the last output when the process exits before it is ready', async () => {
    const service = await fakeService({ env: { FAIL_AT_START: 'DATABASE_URL' } });
    await assert.rejects(service.start(), /exited before it was ready[\s\S]*invalid setting: DATABASE_URL/);
    assert.equal(service.lastExit?.code, 3);
  });

  it('waits for a slow start that makes progress, past its stall bound, and says it still waits', async () => {
    const said: string[] = [];
    const service = await fakeService({
      env: { SLOW_START_MS: '2500' },
      stallMs: 1_000,
      slowReportMs: 1_000,
      onSlow: (m) => said.push(m),
    });
    await service.start();
    assert.equal(service.running, true);
    assert.match(said[0] ?? '', /^fake is not ready after \d+ s, still starting .*last line: warming up/);
  });

  it('gives up on a start that makes no progress, naming the pod', async () => {
    const service = await fakeService({ env: { HANG: '1' }, stallMs: 1_500 });
    await assert.rejects(service.start(), /fake made no progress for 1\.5 s/);
    assert.equal(service.running, false);
  });

  it('supervised: a process killed from outside is started again and serves; kill() ends the supervision', async () => {
    const said: string[] = [];
    const service = await fakeService({ supervise: (m) => said.push(m) });
    await service.start();
    const firstPid = service.pid!;
    process.kill(firstPid, 'SIGKILL');
    await waitFor('the supervised process to be back', async () => said.some((m) => m.includes('is back')), {
      timeoutMs: 20_000,
    });
    assert.match(said[0]!, /fake killed by SIGKILL: restarting in 1 s/);
    assert.notEqual(service.pid, firstPid);
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
    await service.kill();
    const count = said.length;
    // Proving that nothing happens takes a window: longer than the first backoff (1 s) a restart would wait.
    await delay(1_500);
    assert.equal(service.running, false);
    assert.equal(said.length, count, `unexpected: ${said.slice(count).join('; ')}`);
  });

  it('copies output to a log file when asked', async () => {
    const logFile = join(workDir, 'fake.log');
    const service = await fakeService({ logFile });
    await service.start();
    await service.stop();
    assert.match(readFileSync(logFile, 'utf8'), /listening on \d+\ndraining\n/);
  });
});
