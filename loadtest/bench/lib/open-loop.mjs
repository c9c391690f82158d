// Load at a fixed arrival rate: requests are due on a schedule (every 1/rate s) whether or not earlier ones have
// been answered, and each latency counts from the moment its request was due, so a stall in the server shows up in
// the percentiles instead of silently lowering the rate. autocannon's rate limit sends each second's quota in one
// burst, k6 cannot reach a few thousand requests per second on two CPUs next to the server, and undici costs
// ~60 µs of CPU per request; this writes prepared GETs on keep-alive sockets and reads Content-Length-framed
// answers, which keeps the generator's own share of the CPU small.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { latencySummary } from './stats.mjs';

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive connection; `onAnswer(status, headerText)` is called once per complete response, `onLost()` once
 * when the connection fails or closes.
 */
function connection(url, onAnswer, onLost) {
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      const end = pending.indexOf(HEADER_END);
      if (end < 0) return;
      const head = pending.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!Number.isFinite(length)) return socket.destroy(new Error('an answer without Content-Length'));
      if (pending.length < end + 4 + length) return;
      pending = pending.subarray(end + 4 + length);
      onAnswer(Number(head.slice(9, 12)), head);
    }
  });
  socket.on('error', () => undefined); // 'close' follows and reports it
  socket.once('close', onLost);
  return socket;
}

/** @param {{ origin: string, path: string, rate: number, durationS: number, connections?: number }} opts */
export async function openLoop({ origin, path, rate, durationS, connections = 32 }) {
  const url = new URL(origin);
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
  const total = Math.round(rate * durationS);
  const interval = 1000 / rate;
  const samples = [];
  const statuses = {};
  const backlog = []; // due times of requests waiting for a free connection
  const idle = []; // a queue, so every connection stays in use (an idle one would hit the keep-alive timeout)
  let [sent, answered, hits, lost] = [0, 0, 0, 0];
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const settle = () => answered + lost >= total && finish();
  const send = (conn, due) => {
    conn.due = due;
    conn.busy = true;
    conn.socket.write(request);
  };
  const next = (conn) => {
    if (backlog.length) send(conn, backlog.shift());
    else idle.push(conn);
  };
  const conns = Array.from({ length: connections }, () => {
    const conn = { due: 0, busy: false, alive: true };
    conn.socket = connection(
      url,
      (status, head) => {
        conn.busy = false;
        samples.push(performance.now() - conn.due);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (/\r\nx-cache: HIT/i.test(head)) hits++;
        answered++;
        settle();
        next(conn);
      },
      () => {
        conn.alive = false;
        if (conn.busy) lost++;
        settle();
      },
    );
    return conn;
  });
  await Promise.all(conns.map((c) => new Promise((resolve) => c.socket.once('connect', resolve))));
  idle.push(...conns);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const tick = () => {
    const dueNow = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
    for (; sent < dueNow; sent++) {
      const due = started + sent * interval;
      let conn = idle.shift();
      while (conn && !conn.alive) conn = idle.shift();
      if (conn) send(conn, due);
      else backlog.push(due);
    }
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  // Whatever is still unanswered 10 s after the last request was due counts as lost.
  const deadline = setTimeout(() => finish(), durationS * 1000 + 10_000);
  await done;
  clearTimeout(deadline);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  conns.forEach((c) => c.socket.destroy());
  return {
    rate,
    achieved: answered / seconds,
    seconds,
    statuses,
    hits,
    errors: total - answered,
    latency: latencySummary(samples),
    /** This generator's own CPU use, in % of one CPU. */
    generatorCpu: (cpu.user + cpu.system) / 1e4 / seconds,
  };
}
