// The official openai and @anthropic-ai/sdk clients against llmopt's gateway,
// as an application uses them: the openai SDK with baseURL = URL + "/v1"
// (POST /v1/chat/completions), the Anthropic SDK with baseURL = URL (POST
// /v1/messages). Each SDK parses every answer and stream event strictly, so
// a shape llmopt's translation gets wrong fails here.
//
//   node tests/npm/gateway_clients.mjs http://127.0.0.1:PORT
//
// The daemon must serve route "chat" over one model of each provider
// (openai, anthropic, google or gemini, ollama: simulated in their native
// formats), a route "via-PROVIDER" per provider over that provider's model
// only, error_rate 0 and every capability (tests/e2e/gateway_sdk_test.cpp
// writes such a config). Prints one JSON summary on stdout; exits 1 naming
// each failed check on stderr, 2 on bad usage or a daemon without those
// routes.

import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

import { run_openai } from './gateway_openai_checks.mjs';
import { run_anthropic } from './gateway_anthropic_checks.mjs';
import { make_runner, expect, rejects } from './check_runner.mjs';

const root = process.argv[2];
if (!root || !/^https?:\/\//.test(root)) {
  console.error('usage: node gateway_clients.mjs http://HOST:PORT');
  process.exit(2);
}

const { check, results, groups: by_sdk } = make_runner('sdk');

// The routing headers of an answer: the route asked for, and a model among
// those the route may serve with.
function served_by(response, route, models = route.models) {
  const h = response.headers;
  expect(h.get('x-llmopt-route') === route.name, `x-llmopt-route ${route.name}`, h.get('x-llmopt-route'));
  const model = h.get('x-llmopt-model');
  expect(models.includes(model), `x-llmopt-model among ${models.join(', ')}`, model);
  expect(Number(h.get('x-llmopt-decision')) >= 1, 'x-llmopt-decision', h.get('x-llmopt-decision'));
  return model;
}

// -- the routes ------------------------------------------------------------------

// The wire format llmopt speaks to each provider of the test config.
const format_of_provider = { openai: 'openai', anthropic: 'anthropic', google: 'gemini', gemini: 'gemini', ollama: 'ollama' };

// What a wire format cannot express (llmopt refuses it with a 400 naming the
// field): Ollama has no tool_choice but auto/none, no image URLs and no
// limit to one tool call; Gemini none of the latter.
const lacks = {
  openai: [],
  anthropic: [],
  gemini: ['single_tool_call'],
  ollama: ['named_tool', 'image_url', 'single_tool_call'],
};

const listed = await (await fetch(root + '/v1/models')).json();
const route_names = listed.data.filter((m) => m.kind === 'route').map((m) => m.id);
const model_ids = listed.data.filter((m) => m.kind === 'model').map((m) => m.id);
const format_of = (model) => format_of_provider[model.split(':')[0]];

// A route: its name, the models it may serve with, and those of them that
// can take a request needing `feature` (all: a route that can take it).
function route(name, models) {
  return {
    name,
    models,
    able: (feature) => models.filter((m) => !lacks[format_of(m)].includes(feature)),
  };
}

const routes = [route('chat', model_ids.filter((m) => format_of(m)))];
for (const provider of Object.keys(format_of_provider)) {
  const name = `via-${provider}`;
  if (!route_names.includes(name)) continue;
  routes.push(route(name, model_ids.filter((m) => m.split(':')[0] === provider)));
}
const formats = new Set(routes[0].models.map(format_of));
if (!route_names.includes('chat') || routes.length !== 5 || formats.size !== 4 ||
    routes.some((r) => r.models.length === 0)) {
  console.error(`the daemon at ${root} needs route "chat" over a model of each format and a ` +
                `via-PROVIDER route per provider; it lists ${JSON.stringify(listed.data)}`);
  process.exit(2);
}

// -- shared inputs ---------------------------------------------------------------

const weather_schema = {
  type: 'object',
  properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' } },
  required: ['city', 'days', 'metric'],
};
const time_schema = { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] };
// A 1x1 transparent PNG.
const png_base64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const has_keys = (object, keys) => object && typeof object === 'object' && keys.every((k) => k in object);

const kit = {
  root, check, expect, rejects, served_by, routes,
  weather_schema, time_schema, png_base64, has_keys,
};

await run_openai(kit, OpenAI);
await run_anthropic(kit, Anthropic);

const failed = results.filter((r) => !r.ok);
const summary = {
  ok: failed.length === 0,
  checks: results.length,
  passed: results.length - failed.length,
  failed: failed.length,
  by_sdk,
  routes: Object.fromEntries(routes.map((r) => [r.name, r.models])),
  results: results.map(({ sdk, name, ok, error }) =>
    (ok ? { sdk, name, ok } : { sdk, name, ok, error: error.split('\n')[0] })),
};
console.log(JSON.stringify(summary));
for (const f of failed) console.error(`FAILED ${f.sdk}: ${f.name}\n  ${f.error.replaceAll('\n', '\n  ')}`);
process.exit(failed.length === 0 ? 0 : 1);
