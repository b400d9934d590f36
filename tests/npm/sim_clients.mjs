// The providers' official npm clients against `llmopt provider-sim`: each
// SDK parses every reply and stream event strictly, so a shape the
// simulator gets wrong fails here.
//
//   node tests/npm/sim_clients.mjs http://127.0.0.1:PORT
//
// The simulator must serve one model per provider named openai:*,
// anthropic:*, google:* (or gemini:*) and ollama:*, with error_rate 0 and
// output_tokens of at least 8 (tests/e2e/sim_clients_test.cpp writes such
// a file). Prints one JSON summary on stdout; exits 1 naming each failed
// check on stderr, 2 on bad usage.

import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, ApiError } from '@google/genai';
import { Ollama } from 'ollama';

import { run_openai } from './sim_openai_checks.mjs';
import { run_anthropic } from './sim_anthropic_checks.mjs';
import { run_gemini } from './sim_gemini_checks.mjs';
import { run_ollama } from './sim_ollama_checks.mjs';
import { make_runner, expect, rejects } from './check_runner.mjs';

const root = process.argv[2];
if (!root || !/^https?:\/\//.test(root)) {
  console.error('usage: node sim_clients.mjs http://HOST:PORT');
  process.exit(2);
}

const { check, results, groups: by_format } = make_runner('format');

async function admin(method, path, body) {
  const r = await fetch(root + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(json)}`);
  return json;
}

const fault = (model, kind, extra = {}) => admin('POST', '/admin/faults', { model, kind, ...extra });

const weather_schema = {
  type: 'object',
  properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' } },
  required: ['city', 'days', 'metric'],
};
const time_schema = { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] };
const weather_args = { city: 'sim', days: 1, metric: true };
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const listed = await admin('GET', '/v1/models');
const ids = listed.data.map((m) => m.id);
const model_of = (...providers) => {
  const id = ids.find((m) => providers.includes(m.split(':')[0]));
  if (!id) throw new Error(`no model of ${providers.join(' or ')} among ${ids.join(', ')}`);
  return id;
};
const models = {
  openai: model_of('openai'),
  anthropic: model_of('anthropic'),
  gemini: model_of('google', 'gemini'),
  ollama: model_of('ollama'),
};

await admin('DELETE', '/admin/faults');
const kit = { root, check, expect, rejects, fault, admin, weather_schema, time_schema, weather_args, same };

await run_openai(kit, OpenAI, models.openai);
await run_anthropic(kit, Anthropic, models.anthropic);
await run_gemini(kit, { GoogleGenAI, ApiError }, models.gemini);
await run_ollama(kit, Ollama, models.ollama);

// Every request the clients made is settled on the simulator's side too.
await check('simulator', 'stats: nothing left open, every format counted', async () => {
  const stats = await admin('GET', '/admin/stats?until_open=0&timeout_ms=5000');
  expect(stats.open === 0 && !stats.timed_out, 'no open request', stats);
  for (const f of ['openai', 'anthropic', 'gemini', 'ollama'])
    expect(stats.by_format[f] >= by_format[f].passed, `${f} requests counted`, stats.by_format);
  expect(stats.abandoned >= 0 && stats.requests > 0, 'counters', stats);
});

const failed = results.filter((r) => !r.ok);
const summary = {
  ok: failed.length === 0,
  checks: results.length,
  passed: results.length - failed.length,
  failed: failed.length,
  by_format,
  models,
  results: results.map(({ format, name, ok }) => ({ format, name, ok })),
};
console.log(JSON.stringify(summary));
for (const f of failed) console.error(`FAILED ${f.format}: ${f.name}\n  ${f.error.replaceAll('\n', '\n  ')}`);
process.exit(failed.length === 0 ? 0 : 1);
