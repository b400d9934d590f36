// The JSON Schemas of signals/schemas against llmopt's own parser, with
// ajv (draft 2020-12, formats asserted): every shipped example passes its
// schema; corpus messages the parser accepts pass theirs; corpus messages
// it dead-letters for a reason a schema can express (a missing field, a
// wrong type, a number out of range, an unknown enum value, a bad envelope)
// fail theirs. The parser's verdict on each message is asked of the binary
// (`llmopt signals validate --json`), not assumed from the file name.
//
// Usage: node signal_schemas.mjs SOURCE_DIR LLMOPT_BINARY
// Prints one JSON summary: {ok, checks, passed, failed, by_group, results}.

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { make_runner, expect } from './check_runner.mjs';

const [root, llmopt] = process.argv.slice(2);
const corpus = `${root}/tests/adapters/signals/corpus`;

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats(ajv);
const schemas = {};
for (const file of readdirSync(`${root}/signals/schemas`)) {
  const kind = file.replace(/\.schema\.json$/, '');
  schemas[kind] = ajv.compile(JSON.parse(readFileSync(`${root}/signals/schemas/${file}`, 'utf8')));
}

// corpus/<topic>/<file> -> the schema kind it is an instance of. Accepted:
// camelCase (the schemas' spelling) outside an envelope, canonical enum
// case; the parser also accepts snake_case and any enum case.
const accepted = {
  'cost/valid-cost-camel.json': 'cost',
  'cost/valid-cost-epoch-ms-minimal.json': 'cost',
  'cost/valid-cost-integral-float-tokens.json': 'cost',
  'cost/valid-cost-model-with-colon-no-provider.json': 'cost',
  'cost/valid-cost-offset-timestamp-and-nulls.json': 'cost',
  'latency/valid-profile-camel.json': 'latency_profile',
  'latency/valid-anomaly-camel.json': 'latency_anomaly',
  'sentinel/valid-drift-camel.json': 'drift',
  'sentinel/valid-anomaly-camel.json': 'anomaly',
  'sentinel/valid-anomaly-minimal.json': 'anomaly',
  'sentinel/valid-anomaly-resolved.json': 'anomaly',
  'sentinel/valid-rust-alert.json': 'sentinel_alert',
  'shield/valid-policy-block-camel.json': 'policy_block',
  'shield/valid-policy-block-minimal.json': 'policy_block',
  'shield/valid-pii-camel.json': 'pii_detection',
  'shield/valid-pii-types-from-detections.json': 'pii_detection',
  'observatory/valid-span-camel.json': 'span',
  'observatory/valid-span-start-end-no-duration.json': 'span',
  'observatory/valid-span-without-model.json': 'span',
  'observatory/valid-event-camel.json': 'structured_event',
  'observatory/valid-event-quality-on-other-type.json': 'structured_event',
  'observatory/valid-feedback-quality-camel.json': 'structured_event',
  'calls/valid-call-camel.json': 'call',
  'calls/valid-call-minimal.json': 'call',
};
const rejected = {
  'cost/dlq-missing_field-cost-empty-eventId.json': 'cost',
  'cost/dlq-missing_field-cost-no-costUsd.json': 'cost',
  'cost/dlq-missing_field-cost-no-provider.json': 'cost',
  'cost/dlq-missing_field-cost-null-timestamp.json': 'cost',
  'cost/dlq-wrong_type-cost-costUsd-string.json': 'cost',
  'cost/dlq-wrong_type-cost-fractional-tokens.json': 'cost',
  'cost/dlq-wrong_type-cost-metadata-route-number.json': 'cost',
  'cost/dlq-wrong_type-cost-modelId-object.json': 'cost',
  'cost/dlq-out_of_range-cost-negative-costUsd.json': 'cost',
  'cost/dlq-out_of_range-cost-negative-tokens.json': 'cost',
  'cost/dlq-out_of_range-cost-modelId-without-model.json': 'cost',
  'cost/dlq-out_of_range-cost-modelId-without-provider.json': 'cost',
  'cost/dlq-bad_timestamp-cost-bool.json': 'cost',
  'cost/dlq-bad_timestamp-cost-negative-epoch.json': 'cost',
  'cost/dlq-bad_timestamp-cost-words.json': 'cost',
  'latency/dlq-missing_field-profile-no-p95Ms.json': 'latency_profile',
  'latency/dlq-wrong_type-profile-p50Ms-string.json': 'latency_profile',
  'latency/dlq-out_of_range-profile-negative-p99Ms.json': 'latency_profile',
  'latency/dlq-missing_field-anomaly-no-modelId.json': 'latency_anomaly',
  'latency/dlq-unknown_enum-anomaly-type-jitter.json': 'latency_anomaly',
  'latency/dlq-unknown_enum-anomaly-severity-urgent.json': 'latency_anomaly',
  'sentinel/dlq-missing_field-drift-no-confidence.json': 'drift',
  'sentinel/dlq-wrong_type-drift-affectedMetrics-item.json': 'drift',
  'sentinel/dlq-out_of_range-drift-magnitude-above-one.json': 'drift',
  'sentinel/dlq-out_of_range-drift-negative-pValue.json': 'drift',
  'sentinel/dlq-unknown_enum-drift-type.json': 'drift',
  'sentinel/dlq-bad_timestamp-drift-period-end.json': 'drift',
  'sentinel/dlq-missing_field-anomaly-no-severity.json': 'anomaly',
  'sentinel/dlq-wrong_type-anomaly-isActive-string.json': 'anomaly',
  'sentinel/dlq-missing_field-rust-no-model.json': 'sentinel_alert',
  'sentinel/dlq-wrong_type-rust-details-array.json': 'sentinel_alert',
  'sentinel/dlq-out_of_range-rust-confidence.json': 'sentinel_alert',
  'sentinel/dlq-unknown_enum-rust-anomaly_type.json': 'sentinel_alert',
  'shield/dlq-missing_field-policy-empty-policyId.json': 'policy_block',
  'shield/dlq-missing_field-policy-no-eventId.json': 'policy_block',
  'shield/dlq-wrong_type-policy-metadata-string.json': 'policy_block',
  'shield/dlq-unknown_enum-policy-action.json': 'policy_block',
  'shield/dlq-unknown_enum-policy-reason.json': 'policy_block',
  'shield/dlq-missing_field-pii-no-riskScore.json': 'pii_detection',
  'shield/dlq-wrong_type-pii-contentModified-string.json': 'pii_detection',
  'shield/dlq-wrong_type-pii-detection-not-object.json': 'pii_detection',
  'shield/dlq-out_of_range-pii-riskScore-2.json': 'pii_detection',
  'shield/dlq-out_of_range-pii-detection-confidence.json': 'pii_detection',
  'shield/dlq-unknown_enum-pii-direction.json': 'pii_detection',
  'observatory/dlq-missing_field-span-no-status.json': 'span',
  'observatory/dlq-missing_field-span-no-duration-no-end.json': 'span',
  'observatory/dlq-wrong_type-span-status-object.json': 'span',
  'observatory/dlq-wrong_type-span-fractional-output-tokens.json': 'span',
  'observatory/dlq-out_of_range-span-negative-input-tokens.json': 'span',
  'observatory/dlq-unknown_enum-span-status.json': 'span',
  'observatory/dlq-unknown_enum-event-type.json': 'structured_event',
  'observatory/dlq-wrong_type-feedback-liked-string.json': 'structured_event',
  'observatory/dlq-out_of_range-feedback-quality-above-one.json': 'structured_event',
  'observatory/dlq-out_of_range-feedback-rating-7.json': 'structured_event',
  'calls/dlq-missing_field-call-no-latencyMs.json': 'call',
  'calls/dlq-missing_field-call-no-at.json': 'call',
  'calls/dlq-missing_field-call-no-provider.json': 'call',
  'calls/dlq-wrong_type-call-latencyMs-string.json': 'call',
  'calls/dlq-wrong_type-call-fractional-outputTokens.json': 'call',
  'calls/dlq-out_of_range-call-negative-latencyMs.json': 'call',
  'calls/dlq-out_of_range-call-outputTokensPerS-too-large.json': 'call',
  'calls/dlq-out_of_range-call-modelId-without-provider.json': 'call',
  'calls/dlq-unknown_enum-call-status-cancelled.json': 'call',
  'calls/dlq-bad_timestamp-call-at-no-zone.json': 'call',
};
// Envelopes: accepted ones pass the envelope schema and their data the
// kind's; bad_envelope ones fail the envelope schema.
const accepted_envelopes = {
  'cost/valid-cost-envelope.json': 'cost',
  'latency/valid-profile-envelope.json': 'latency_profile',
  'sentinel/valid-drift-envelope.json': 'drift',
  'sentinel/valid-anomaly-envelope.json': 'anomaly',
  'shield/valid-pii-envelope.json': 'pii_detection',
  'shield/valid-policy-block-envelope.json': 'policy_block',
  'observatory/valid-span-envelope.json': 'span',
  'observatory/valid-event-envelope.json': 'structured_event',
  'calls/valid-call-envelope.json': 'call',
};
const rejected_envelopes = [
  'cost/dlq-bad_envelope-data-string.json',
  'cost/dlq-bad_envelope-no-data.json',
  'cost/dlq-bad_envelope-specversion-0.3.json',
  'latency/dlq-bad_envelope-data-base64.json',
  'latency/dlq-bad_envelope-specversion-number.json',
  'observatory/dlq-bad_envelope-id-number.json',
  'observatory/dlq-bad_timestamp-envelope-time.json',
  'shield/dlq-bad_envelope-content-type-xml.json',
];

// The topic each corpus folder is read from (the default topic names):
// llm.signals.<folder>, except where named here.
const folder_topics = { calls: 'llm.calls' };
const topic_of = (folder) => folder_topics[folder] ?? `llm.signals.${folder}`;

// The parser's verdict on each file, from the binary: file -> {ok, reason}.
function parser_verdicts(files) {
  const by_topic = {};
  for (const file of files) (by_topic[file.split('/')[0]] ??= []).push(file);
  const verdicts = {};
  for (const [topic, topic_files] of Object.entries(by_topic)) {
    const lines = topic_files.map((f) => readFileSync(`${corpus}/${f}`, 'utf8').replace(/\n$/, ''));
    for (const [i, line] of lines.entries())
      if (line.includes('\n')) throw new Error(`${topic_files[i]} spans lines`);
    const run = spawnSync(llmopt, ['signals', 'validate', '--json', '--topic', topic_of(topic)],
                          { input: lines.join('\n') + '\n', encoding: 'utf8' });
    if (run.status !== 0 && run.status !== 1) throw new Error(`llmopt exited ${run.status}: ${run.stderr}`);
    const out = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    if (out.length !== topic_files.length) throw new Error(`${out.length} verdicts for ${topic_files.length} lines`);
    for (const [i, v] of out.entries()) verdicts[topic_files[i]] = v;
  }
  return verdicts;
}

function reason_in_name(file) {
  return file.split('/')[1].split('-')[1];
}

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const errors = (validate) => JSON.stringify(validate.errors);
const { check, results, groups } = make_runner('group');
const verdicts = parser_verdicts([...Object.keys(accepted), ...Object.keys(rejected),
                                  ...Object.keys(accepted_envelopes), ...rejected_envelopes]);

const kinds = Object.keys(schemas).filter((k) => k !== 'cloudevent');
await check('schemas', 'one schema per kind plus the envelope', () =>
  expect(kinds.length === 11 && schemas.cloudevent, 'eleven kinds and cloudevent', Object.keys(schemas)));
for (const kind of [...kinds, 'cloudevent'])
  await check('examples', kind, () => {
    const validate = schemas[kind];
    expect(validate(read(`${root}/signals/examples/${kind}.json`)), 'the example to pass', errors(validate));
  });
for (const [file, kind] of Object.entries(accepted))
  await check('accepted', file, () => {
    expect(verdicts[file].ok === true, 'llmopt to accept it', verdicts[file]);
    expect(schemas[kind](read(`${corpus}/${file}`)), `it to pass ${kind}`, errors(schemas[kind]));
  });
for (const [file, kind] of Object.entries(rejected))
  await check('rejected', file, () => {
    expect(verdicts[file].reason === reason_in_name(file), 'llmopt to dead-letter it', verdicts[file]);
    expect(!schemas[kind](read(`${corpus}/${file}`)), `it to fail ${kind}`);
  });
for (const [file, kind] of Object.entries(accepted_envelopes))
  await check('envelopes', file, () => {
    const message = read(`${corpus}/${file}`);
    expect(verdicts[file].ok === true, 'llmopt to accept it', verdicts[file]);
    expect(schemas.cloudevent(message), 'the envelope to pass', errors(schemas.cloudevent));
    expect(schemas[kind](message.data), `its data to pass ${kind}`, errors(schemas[kind]));
  });
for (const file of rejected_envelopes)
  await check('envelopes', file, () => {
    expect(verdicts[file].reason === reason_in_name(file), 'llmopt to dead-letter it', verdicts[file]);
    expect(!schemas.cloudevent(read(`${corpus}/${file}`)), 'the envelope to fail');
  });

const failed = results.filter((r) => !r.ok).length;
console.log(JSON.stringify({ ok: failed === 0, checks: results.length, passed: results.length - failed,
                             failed, by_group: groups, results }));
