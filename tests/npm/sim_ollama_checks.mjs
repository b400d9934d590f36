// The ollama client against the simulator's /api/chat (see sim_clients.mjs).

export async function run_ollama(kit, Ollama, model) {
  const { check, expect, rejects, fault, weather_schema, time_schema, weather_args, same } = kit;
  const ollama = new Ollama({ host: kit.root });
  const base = {
    model,
    messages: [
      { role: 'system', content: 'You answer briefly.' },
      { role: 'user', content: 'What is the weather like in the simulator today?' },
    ],
  };
  const tools = [
    { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: weather_schema } },
    { type: 'function', function: { name: 'get_time', description: 'time', parameters: time_schema } },
  ];
  const F = 'ollama';

  await check(F, 'chat, stream false: message, done_reason, counts', async () => {
    const r = await ollama.chat({ ...base, stream: false });
    expect(r.done === true && r.done_reason === 'stop', 'done with reason stop', r);
    expect(r.message.role === 'assistant' && r.message.content.length > 0, 'text', r.message);
    expect(r.prompt_eval_count > 0 && r.eval_count === r.message.content.split(' ').length, 'counts', r);
    expect(r.total_duration >= r.eval_duration, 'durations', r);
  });

  await check(F, 'chat streamed: NDJSON parts, the last done with counts', async () => {
    let text = '', parts = 0, last = null;
    for await (const part of await ollama.chat({ ...base, stream: true })) {
      parts++;
      text += part.message.content;
      last = part;
    }
    expect(last.done === true && last.done_reason === 'stop', 'a last part, done', last);
    expect(text.length > 0 && last.eval_count === text.split(' ').length, 'eval_count', last);
    expect(parts === last.eval_count + 1, 'one part per token and the last', parts);
  });

  await check(F, 'num_predict cuts the answer: done_reason length', async () => {
    const r = await ollama.chat({ ...base, stream: false, options: { num_predict: 2 } });
    expect(r.done_reason === 'length' && r.eval_count === 2, 'two tokens', r);
  });

  await check(F, 'tools: parallel tool_calls with arguments by type', async () => {
    const r = await ollama.chat({ ...base, stream: false, tools });
    const calls = r.message.tool_calls;
    expect(calls.length === 2 && calls[0].function.name === 'get_weather', 'two calls', calls);
    expect(same(calls[0].function.arguments, weather_args), 'weather arguments', calls[0]);
    expect(same(calls[1].function.arguments, { zone: 'sim' }), 'time arguments', calls[1]);
  });

  await check(F, 'tools streamed, and text after a tool result', async () => {
    const calls = [];
    for await (const part of await ollama.chat({ ...base, stream: true, tools }))
      calls.push(...(part.message.tool_calls ?? []));
    expect(calls.length === 2 && same(calls[0].function.arguments, weather_args), 'two streamed calls', calls);
    const r = await ollama.chat({
      ...base, stream: false, tools,
      messages: [...base.messages, { role: 'assistant', content: '', tool_calls: calls },
        { role: 'tool', content: '{"ok": true}' }],
    });
    expect(!r.message.tool_calls && r.message.content.length > 0, 'text', r.message);
  });

  await check(F, 'status fault 503: ResponseError with the status and message', async () => {
    await fault(model, 'status', { status: 503 });
    const e = await rejects(ollama.chat({ ...base, stream: false }), 'a 503');
    expect(e.name === 'ResponseError' && e.status_code === 503 && /simulated/.test(e.error), 'ResponseError',
           String(e));
    await fault(model, 'status', { status: 429 });
    const s = await rejects(ollama.chat({ ...base, stream: true }), 'a 429');
    expect(s.name === 'ResponseError' && s.status_code === 429, 'ResponseError streaming', String(s));
  });

  await check(F, 'cut stream: the iteration throws', async () => {
    await fault(model, 'cut', { after_tokens: 2 });
    let parts = 0;
    await rejects((async () => {
      for await (const _ of await ollama.chat({ ...base, stream: true })) parts++;
    })(), 'a cut stream');
    expect(parts === 2, 'two parts before the cut', parts);
  });

  await check(F, 'error line in the stream: an Error with its message', async () => {
    await fault(model, 'error_event', { after_tokens: 1 });
    const e = await rejects((async () => {
      for await (const _ of await ollama.chat({ ...base, stream: true }));
    })(), 'an error line');
    expect(/simulated/.test(e.message), 'the error message', String(e));
  });

  await check(F, 'unknown model 404 and a missing model 400', async () => {
    const missing = await rejects(ollama.chat({ ...base, model: 'nope', stream: false }), '404');
    expect(missing.status_code === 404, 'ResponseError 404', String(missing));
    const bad = await rejects(ollama.chat({ ...base, model: '', stream: false }), '400');
    expect(bad.status_code === 400 && /model/.test(bad.error), 'ResponseError 400', String(bad));
  });
}
