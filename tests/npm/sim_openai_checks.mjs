// The openai SDK against the simulator's chat completions (see sim_clients.mjs).

export async function run_openai(kit, OpenAI, model) {
  const { check, expect, rejects, fault, weather_schema, time_schema, weather_args, same } = kit;
  const client = new OpenAI({ apiKey: 'sim', baseURL: kit.root + '/v1', maxRetries: 0 });
  const messages = [{ role: 'user', content: 'What is the weather like in the simulator today?' }];
  const tools = [
    { type: 'function', function: { name: 'get_weather', parameters: weather_schema } },
    { type: 'function', function: { name: 'get_time', parameters: time_schema } },
  ];
  const F = 'openai';

  await check(F, 'plain completion: text, finish_reason, usage', async () => {
    const r = await client.chat.completions.create({ model, messages });
    const c = r.choices[0];
    expect(r.object === 'chat.completion', 'a chat.completion', r.object);
    expect(typeof c.message.content === 'string' && c.message.content.length > 0, 'text', c.message);
    expect(c.finish_reason === 'stop', 'finish_reason stop', c.finish_reason);
    const u = r.usage;
    expect(u.prompt_tokens > 0 && u.completion_tokens > 0, 'token counts', u);
    expect(u.total_tokens === u.prompt_tokens + u.completion_tokens, 'total = prompt + completion', u);
    expect(u.prompt_tokens_details.cached_tokens === 0, 'cached tokens 0', u);
    expect(c.message.content.split(' ').length === u.completion_tokens, 'one word per token', r);
  });

  await check(F, 'stream: chunks, usage chunk, finalChatCompletion()', async () => {
    const stream = client.chat.completions.stream({
      model, messages, stream_options: { include_usage: true },
    });
    let text = '', chunks = 0, usage = null;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object === 'chat.completion.chunk', 'chunk objects', chunk);
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.content === text && text.length > 0, 'assembled text', final);
    expect(final.choices[0].finish_reason === 'stop', 'finish_reason stop', final.choices[0]);
    expect(usage && usage.completion_tokens === text.split(' ').length, 'usage chunk', usage);
    expect(chunks === usage.completion_tokens + 3, 'role, tokens, finish and usage chunks', chunks);
  });

  await check(F, 'stream without include_usage: no usage chunk', async () => {
    const stream = await client.chat.completions.create({ model, messages, stream: true });
    let usage_seen = false, last = null;
    for await (const chunk of stream) {
      usage_seen = usage_seen || !!chunk.usage;
      last = chunk;
    }
    expect(!usage_seen && last.choices.length === 1, 'no usage and a last chunk with a choice', last);
  });

  await check(F, 'tools: parallel tool calls with arguments by type', async () => {
    const r = await client.chat.completions.create({ model, messages, tools });
    const c = r.choices[0];
    expect(c.finish_reason === 'tool_calls', 'finish_reason tool_calls', c.finish_reason);
    const calls = c.message.tool_calls;
    expect(calls.length === 2, 'two calls', calls);
    expect(calls[0].function.name === 'get_weather' && calls[1].function.name === 'get_time', 'names', calls);
    expect(same(JSON.parse(calls[0].function.arguments), weather_args), 'weather arguments', calls[0]);
    expect(same(JSON.parse(calls[1].function.arguments), { zone: 'sim' }), 'time arguments', calls[1]);
    expect(calls[0].id !== calls[1].id, 'distinct call ids', calls);
  });

  await check(F, 'tools streamed: finalChatCompletion() assembles the calls', async () => {
    const stream = client.chat.completions.stream({ model, messages, tools });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls;
    expect(calls.length === 2 && same(JSON.parse(calls[0].function.arguments), weather_args),
           'two assembled calls', calls);
  });

  await check(F, 'tool_choice and parallel_tool_calls: one named call; none: text', async () => {
    const named = await client.chat.completions.create({
      model, messages, tools, tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    const calls = named.choices[0].message.tool_calls;
    expect(calls.length === 1 && calls[0].function.name === 'get_time', 'the named tool', calls);
    const single = await client.chat.completions.create({ model, messages, tools, parallel_tool_calls: false });
    expect(single.choices[0].message.tool_calls.length === 1, 'one call', single.choices[0]);
    const none = await client.chat.completions.create({ model, messages, tools, tool_choice: 'none' });
    expect(none.choices[0].message.content.length > 0, 'text with tool_choice none', none.choices[0]);
  });

  await check(F, 'after a tool result the answer is text', async () => {
    const first = await client.chat.completions.create({ model, messages, tools });
    const calls = first.choices[0].message.tool_calls;
    const r = await client.chat.completions.create({
      model, tools,
      messages: [...messages, first.choices[0].message,
        ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: '{"ok": true}' }))],
    });
    expect(r.choices[0].finish_reason === 'stop' && r.choices[0].message.content, 'text', r.choices[0]);
  });

  await check(F, 'status fault 429: RateLimitError with Retry-After', async () => {
    await fault(model, 'status', { status: 429, retry_after_s: 7 });
    const e = await rejects(client.chat.completions.create({ model, messages }), 'a 429');
    expect(e instanceof OpenAI.RateLimitError && e.status === 429, 'RateLimitError', String(e));
    expect(e.headers.get('retry-after') === '7', 'Retry-After 7', e.headers.get('retry-after'));
  });

  await check(F, 'status fault on a stream: the typed error before any chunk', async () => {
    await fault(model, 'status', { status: 503 });
    const e = await rejects(client.chat.completions.create({ model, messages, stream: true }), 'a 503');
    expect(e instanceof OpenAI.InternalServerError && e.status === 503, 'InternalServerError', String(e));
  });

  await check(F, 'cut stream: the SDK raises after the chunks sent', async () => {
    await fault(model, 'cut', { after_tokens: 3 });
    const stream = await client.chat.completions.create({ model, messages, stream: true });
    let chunks = 0;
    const e = await rejects((async () => { for await (const _ of stream) chunks++; })(), 'a cut stream');
    expect(chunks === 4, 'the role chunk and 3 tokens before the cut', chunks);
    expect(!(e instanceof OpenAI.APIError) || e.status === undefined, 'a connection error', String(e));
  });

  await check(F, 'in-stream error event: APIError', async () => {
    await fault(model, 'error_event', { after_tokens: 2 });
    const stream = client.chat.completions.stream({ model, messages });
    const e = await rejects(stream.finalChatCompletion(), 'an error event');
    expect(e instanceof OpenAI.APIError, 'APIError', String(e));
  });

  await check(F, 'unknown model 404 and a bad request 400, typed', async () => {
    const missing = await rejects(client.chat.completions.create({ model: 'nope:nope', messages }), '404');
    expect(missing instanceof OpenAI.NotFoundError, 'NotFoundError', String(missing));
    const bad = await rejects(client.chat.completions.create({ model, messages: [] }), '400');
    expect(bad instanceof OpenAI.BadRequestError && bad.param === 'messages', 'BadRequestError on messages',
           bad.error);
  });
}
