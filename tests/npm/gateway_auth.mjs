// API keys as the official openai and @anthropic-ai/sdk clients present
// them to llmopt's gateway: the openai SDK as `Authorization: Bearer KEY`,
// the Anthropic SDK as `x-api-key: KEY`. A valid key is served, a wrong one
// is the SDK's AuthenticationError, a key not allowed on the route its
// PermissionDeniedError.
//
//   node tests/npm/gateway_auth.mjs http://127.0.0.1:PORT GOOD_KEY WRONG_KEY RESTRICTED_KEY
//
// GOOD_KEY may use route "chat"; RESTRICTED_KEY may not (tests/e2e/
// auth_test.cpp creates both with `llmopt keys create`). Prints one JSON
// summary on stdout; exits 1 naming each failed check on stderr, 2 on bad
// usage.

import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

import { make_runner, expect, rejects } from './check_runner.mjs';

const [root, good, wrong, restricted] = process.argv.slice(2);
if (!root || !/^https?:\/\//.test(root) || !good || !wrong || !restricted) {
  console.error('usage: node gateway_auth.mjs http://HOST:PORT GOOD_KEY WRONG_KEY RESTRICTED_KEY');
  process.exit(2);
}

const { check, results, groups: by_sdk } = make_runner('sdk');
const messages = [{ role: 'user', content: 'hello' }];
const openai = (apiKey) => new OpenAI({ apiKey, baseURL: root + '/v1', maxRetries: 0 });
const anthropic = (apiKey) => new Anthropic({ apiKey, baseURL: root, maxRetries: 0 });

await check('openai', 'a valid key is served', async () => {
  const answer = await openai(good).chat.completions.create({ model: 'chat', messages });
  expect(answer.choices[0].message.content.length > 0, 'an answer', answer);
});
await check('openai', 'a wrong key is an AuthenticationError (401, invalid_api_key)', async () => {
  const e = await rejects(openai(wrong).chat.completions.create({ model: 'chat', messages }), 'a wrong key');
  expect(e instanceof OpenAI.AuthenticationError, 'AuthenticationError', e?.constructor?.name);
  expect(e.status === 401, 'status 401', e.status);
  expect(e.code === 'invalid_api_key', 'code invalid_api_key', e.code);
  expect(!String(e.message).includes(wrong), 'a message without the key', e.message);
});
await check('openai', 'a key off its routes is a PermissionDeniedError (403)', async () => {
  const e = await rejects(openai(restricted).chat.completions.create({ model: 'chat', messages }), 'a key off its routes');
  expect(e instanceof OpenAI.PermissionDeniedError, 'PermissionDeniedError', e?.constructor?.name);
  expect(e.status === 403, 'status 403', e.status);
});

await check('anthropic', 'a valid key (x-api-key) is served', async () => {
  const answer = await anthropic(good).messages.create({ model: 'chat', max_tokens: 64, messages });
  expect(answer.content[0].text.length > 0, 'an answer', answer);
});
await check('anthropic', 'a wrong key is an AuthenticationError (401)', async () => {
  const e = await rejects(anthropic(wrong).messages.create({ model: 'chat', max_tokens: 64, messages }), 'a wrong key');
  expect(e instanceof Anthropic.AuthenticationError, 'AuthenticationError', e?.constructor?.name);
  expect(e.status === 401, 'status 401', e.status);
  expect(e.error?.error?.type === 'authentication_error', 'type authentication_error', e.error);
});
await check('anthropic', 'a key off its routes is a PermissionDeniedError (403)', async () => {
  const e = await rejects(anthropic(restricted).messages.create({ model: 'chat', max_tokens: 64, messages }), 'a key off its routes');
  expect(e instanceof Anthropic.PermissionDeniedError, 'PermissionDeniedError', e?.constructor?.name);
  expect(e.status === 403, 'status 403', e.status);
});

const failed = results.filter((r) => !r.ok);
console.log(JSON.stringify({
  ok: failed.length === 0,
  checks: results.length,
  passed: results.length - failed.length,
  failed: failed.length,
  by_sdk,
  results: results.map(({ sdk, name, ok, error }) =>
    (ok ? { sdk, name, ok } : { sdk, name, ok, error: error.split('\n')[0] })),
}));
for (const f of failed) console.error(`FAILED ${f.sdk}: ${f.name}\n  ${f.error.replaceAll('\n', '\n  ')}`);
process.exit(failed.length === 0 ? 0 : 1);
