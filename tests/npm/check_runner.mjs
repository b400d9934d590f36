// The named checks the npm test scripts run, shared by sim_clients.mjs and
// gateway_clients.mjs: each check's outcome is recorded under a group (an
// API format, an SDK), and a thrown error or a failed expect() fails it.

// A runner whose results name their group under `group_key` ("format",
// "sdk"). check(group, name, fn) runs fn and records its outcome.
export function make_runner(group_key) {
  const results = [];
  const groups = {};
  async function check(group, name, fn) {
    const entry = (groups[group] ??= { passed: 0, failed: 0 });
    const started = Date.now();
    try {
      await fn();
      entry.passed++;
      results.push({ [group_key]: group, name, ok: true, ms: Date.now() - started });
    } catch (e) {
      entry.failed++;
      results.push({ [group_key]: group, name, ok: false, error: String(e?.stack ?? e) });
    }
  }
  return { check, results, groups };
}

export function expect(condition, what, seen) {
  if (!condition)
    throw new Error(`expected ${what}` + (seen === undefined ? '' : `, saw ${JSON.stringify(seen)}`));
}

// Awaits a promise that must reject; returns the error.
export async function rejects(promise, what) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error(`expected ${what} to fail`);
}
