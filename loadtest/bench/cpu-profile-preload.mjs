// Preloaded into a pod (NODE_OPTIONS="--import …/cpu-profile-preload.mjs") so the bench can CPU-profile it under
// load. Node 20 refuses --cpu-prof in NODE_OPTIONS, and the harness starts pods as `node <entry>`, so this drives
// V8's sampling profiler through node:inspector instead. It costs nothing until the first SIGUSR2: each SIGUSR2
// starts or stops the profiler, and stopping (or a clean exit while it runs) writes
// $BAZAR_CPU_PROFILE_DIR/<pid>-<n>.cpuprofile, the format --cpu-prof writes.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import process from 'node:process';

const dir = process.env.BAZAR_CPU_PROFILE_DIR;
if (dir) {
  let session;
  let written = 0;
  // An in-thread session answers synchronously, so stopping also works inside the 'exit' handler.
  const stop = () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err)
        fs.writeFileSync(
          path.join(dir, `${process.pid}-${++written}.cpuprofile`),
          JSON.stringify(result.profile),
        );
    });
    session.disconnect();
    session = undefined;
  };
  process.on('SIGUSR2', () => {
    if (session) return stop();
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
  });
  process.on('exit', () => session && stop());
}
