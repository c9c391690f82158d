// The test gates of TEST_HOOKS=true pods (see @bazar/common's TestGate), driven from a test: hold one, and find
// the pod in which some work now waits.
import { strict as assert } from 'node:assert';
import { callJson } from './http';
import type { ServiceProcess } from './service-process';
import { waitFor } from './wait-for';

/** Holds (or releases) the gate at `path` (e.g. `/test/after-commit`) of `pod`. */
export async function holdGate(
  token: string,
  pod: ServiceProcess,
  path: string,
  hold: boolean,
): Promise<void> {
  const res = await callJson('POST', `${pod.url}${path}`, { token, body: { hold } });
  assert.equal(res.status, 200, `${pod.name} ${path}: ${JSON.stringify(res.body)}`);
}

/** The first of `pods` in whose gate at `path` some work waits; the others' gates are released. */
export async function podHeldAt(
  token: string,
  pods: ServiceProcess[],
  path: string,
): Promise<ServiceProcess> {
  const held = await waitFor(
    `work held at ${path}`,
    async () => {
      for (const pod of pods) {
        if ((await callJson('GET', `${pod.url}${path}`, { token })).body.waiting >= 1) return pod;
      }
      return undefined;
    },
    { timeoutMs: 30_000 },
  );
  for (const pod of pods.filter((p) => p !== held)) await holdGate(token, pod, path, false);
  return held;
}
