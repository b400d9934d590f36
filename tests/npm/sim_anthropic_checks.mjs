// The @anthropic-ai/sdk client against the simulator's Messages API (see sim_clients.mjs).

export async function run_anthropic(kit, Anthropic, model) {
  const { check, expect, rejects, fault, weather_schema, time_schema, weather_args, same } = kit;
  const client = new Anthropic({ apiKey: 'sim', baseURL: kit.root, maxRetries: 0 });
  const base = {
    model,
    max_tokens: 1024,
    system: 'You answer briefly.',
    messages: [{ role: 'user', content: 'What is the weather like in the simulator today?' }],
  };
  const tools = [
    { name: 'get_weather', description: 'weather', input_schema: weather_schema },
    { name: 'get_time', description: 'time', input_schema: time_schema },
  ];
  const F = 'anthropic';

  await check(F, 'plain message: text block, stop_reason, usage', async () => {
    const m = await client.messages.create(base);
    expect(m.type === 'message' && m.role === 'assistant', 'an assistant message', m);
    expect(m.content.length === 1 && m.content[0].type === 'text' && m.content[0].text.length > 0, 'text', m);
    expect(m.stop_reason === 'end_turn', 'stop_reason end_turn', m.stop_reason);
    expect(m.usage.input_tokens > 0 && m.usage.output_tokens === m.content[0].text.split(' ').length,
           'usage', m.usage);
    expect(m.usage.cache_read_input_tokens === 0, 'cached tokens 0', m.usage);
  });

  await check(F, 'stream: every event parsed, finalMessage() assembled', async () => {
    const stream = client.messages.stream(base);
    const seen = [];
    let text = '';
    stream.on('streamEvent', (event) => seen.push(event.type));
    stream.on('text', (delta) => { text += delta; });
    const m = await stream.finalMessage();
    expect(m.content[0].text === text && text.length > 0, 'assembled text', m.content);
    expect(m.usage.output_tokens === text.split(' ').length, 'output tokens from message_delta', m.usage);
    expect(seen[0] === 'message_start' && seen.at(-1) === 'message_stop', 'start and stop events', seen);
    for (const t of ['content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta'])
      expect(seen.includes(t), t, seen);
  });

  await check(F, 'max_tokens cuts the answer: stop_reason max_tokens', async () => {
    const m = await client.messages.create({ ...base, max_tokens: 3 });
    expect(m.stop_reason === 'max_tokens' && m.usage.output_tokens === 3, 'three tokens', m);
  });

  await check(F, 'tools: parallel tool_use blocks with input by type', async () => {
    const m = await client.messages.create({ ...base, tools });
    expect(m.stop_reason === 'tool_use', 'stop_reason tool_use', m.stop_reason);
    const uses = m.content.filter((b) => b.type === 'tool_use');
    expect(uses.length === 2 && uses[0].name === 'get_weather' && uses[1].name === 'get_time', 'two', uses);
    expect(same(uses[0].input, weather_args) && same(uses[1].input, { zone: 'sim' }), 'inputs', uses);
  });

  await check(F, 'tools streamed: input_json_delta assembled by finalMessage()', async () => {
    const m = await client.messages.stream({ ...base, tools }).finalMessage();
    const uses = m.content.filter((b) => b.type === 'tool_use');
    expect(uses.length === 2 && same(uses[0].input, weather_args), 'two assembled tool uses', m.content);
  });

  await check(F, 'tool_choice tool / disable_parallel_tool_use / none', async () => {
    const named = await client.messages.create({ ...base, tools, tool_choice: { type: 'tool', name: 'get_time' } });
    expect(named.content.length === 1 && named.content[0].name === 'get_time', 'the named tool', named.content);
    const single = await client.messages.create({
      ...base, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    });
    expect(single.content.length === 1 && single.content[0].type === 'tool_use', 'one call', single.content);
    const none = await client.messages.create({ ...base, tools, tool_choice: { type: 'none' } });
    expect(none.content[0].type === 'text', 'text with tool_choice none', none.content);
  });

  await check(F, 'after a tool_result the answer is text', async () => {
    const first = await client.messages.create({ ...base, tools });
    const m = await client.messages.create({
      ...base, tools,
      messages: [...base.messages, { role: 'assistant', content: first.content },
        { role: 'user', content: first.content.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: 'ok' })) }],
    });
    expect(m.stop_reason === 'end_turn' && m.content[0].type === 'text', 'text', m);
  });

  await check(F, 'status fault 529: OverloadedError (also when streaming)', async () => {
    await fault(model, 'status', { status: 529 });
    const e = await rejects(client.messages.create(base), 'a 529');
    expect(e instanceof Anthropic.OverloadedError && e.status === 529, 'OverloadedError', String(e));
    expect(e.error?.error?.type === 'overloaded_error', 'overloaded_error body', e.error);
    await fault(model, 'status', { status: 429, retry_after_s: 3 });
    const limited = await rejects(client.messages.stream(base).finalMessage(), 'a 429');
    expect(limited instanceof Anthropic.RateLimitError && limited.headers.get('retry-after') === '3',
           'RateLimitError with Retry-After', String(limited));
  });

  await check(F, 'cut stream: finalMessage() rejects', async () => {
    await fault(model, 'cut', { after_tokens: 2 });
    const stream = client.messages.stream(base);
    let text = '';
    stream.on('text', (delta) => { text += delta; });
    await rejects(stream.finalMessage(), 'a cut stream');
    expect(text.split(' ').length === 2, 'two tokens before the cut', text);
  });

  await check(F, 'error event: the typed APIError', async () => {
    await fault(model, 'error_event', { after_tokens: 1 });
    const e = await rejects(client.messages.stream(base).finalMessage(), 'an error event');
    expect(e instanceof Anthropic.APIError && e.type === 'overloaded_error', 'overloaded APIError', String(e));
  });

  await check(F, 'missing max_tokens 400 and unknown model 404, typed', async () => {
    const { max_tokens, ...without } = base;
    const bad = await rejects(client.messages.create(without), '400');
    expect(bad instanceof Anthropic.BadRequestError && /max_tokens/.test(bad.message), 'max_tokens named',
           String(bad));
    const missing = await rejects(client.messages.create({ ...base, model: 'nope' }), '404');
    expect(missing instanceof Anthropic.NotFoundError, 'NotFoundError', String(missing));
  });
}
