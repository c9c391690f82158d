// Reading a V8 .cpuprofile (what `node --cpu-prof` writes): per function its self time (its own work) and its
// inclusive time (with everything it called), and self time per origin (node core, a package in node_modules,
// Bazar's own code, GC), the busiest first. Idle time is left out.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

function originOf(url, functionName) {
  if (functionName.startsWith('(')) return functionName; // (garbage collector), (program)
  if (!url) return 'V8 builtins / native';
  if (url.startsWith('node:')) return `node core (${url.slice(5).split('/')[0]})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /services\/([^/]+)\//.exec(url);
  return own ? `bazar ${own[1]}` : url;
}

function keyOf({ functionName, url, lineNumber }) {
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/services\//, 'services/')}:${lineNumber + 1}`
    : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/** Self milliseconds per node id, from the samples and their time deltas. */
function selfTimes(profile) {
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  return self;
}

/** Walks the call tree once: self and inclusive time per function (a recursive call is counted once). */
function perFunction(profile, self) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map();
  const entry = (node) => {
    const key = keyOf(node.callFrame);
    if (!functions.has(key)) {
      functions.set(key, {
        name: key,
        origin: originOf(node.callFrame.url, node.callFrame.functionName),
        self: 0,
        total: 0,
      });
    }
    return functions.get(key);
  };
  const visit = (node, onStack) => {
    const f = entry(node);
    const own = node.callFrame.functionName === '(idle)' ? 0 : (self.get(node.id) ?? 0);
    f.self += own;
    let subtree = own;
    const fresh = !onStack.has(f.name);
    if (fresh) onStack.add(f.name);
    for (const child of node.children ?? []) subtree += visit(nodes.get(child), onStack);
    if (fresh) {
      onStack.delete(f.name);
      f.total += subtree;
    }
    return subtree;
  };
  const busy = visit(profile.nodes[0], new Set());
  return { functions: [...functions.values()], busy };
}

/** Every profile in `dir` (e.g. one per pod of a service), summarised together; shares are of busy time. */
export async function summarizeProfile(dir, top = 15) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) return null;
  const merged = new Map();
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
    const one = perFunction(profile, selfTimes(profile));
    busy += one.busy;
    for (const f of one.functions) {
      const m = merged.get(f.name) ?? { ...f, self: 0, total: 0 };
      m.self += f.self;
      m.total += f.total;
      merged.set(f.name, m);
    }
  }
  const functions = [...merged.values()];
  const origins = new Map();
  for (const f of functions) origins.set(f.origin, (origins.get(f.origin) ?? 0) + f.self);
  const share = (ms) => ms / busy;
  const isCode = (f) => !f.name.startsWith('(') && f.origin !== 'V8 builtins / native';
  return {
    files: files.length,
    busyMs: busy,
    functions: functions
      .filter((f) => f.self > 0)
      .sort((a, b) => b.self - a.self)
      .slice(0, top)
      .map((f) => ({ name: f.name, origin: f.origin, share: share(f.self) })),
    inclusive: functions
      .filter((f) => isCode(f) && !f.origin.startsWith('node core'))
      .sort((a, b) => b.total - a.total)
      .slice(0, top)
      .map((f) => ({ name: f.name, origin: f.origin, share: share(f.total) })),
    origins: [...origins.entries()]
      .filter(([, ms]) => ms > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([origin, ms]) => ({ origin, share: share(ms) })),
  };
}
