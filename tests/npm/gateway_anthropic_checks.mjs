// The @anthropic-ai/sdk client against llmopt's POST /v1/messages, on every
// route (see gateway_clients.mjs).

export async function run_anthropic(kit, Anthropic) {
  const { check, expect, rejects, served_by, routes, weather_schema, time_schema, png_base64, has_keys } = kit;
  const client = new Anthropic({ apiKey: 'any-key', baseURL: kit.root, maxRetries: 0, timeout: 20000 });
  const question = { role: 'user', content: 'What is the weather like in the simulator today?' };
  // The simulated answers' lengths are drawn (exponential, mean 300 tokens):
  // 4096, as llmopt's own default toward Anthropic, cuts about one in a
  // million, where 1024 would cut one in thirty.
  const base = { max_tokens: 4096, system: 'You answer briefly.', messages: [question] };
  const weather = { name: 'get_weather', description: 'weather', input_schema: weather_schema };
  const time = { name: 'get_time', description: 'time', input_schema: time_schema };
  const S = 'anthropic';

  const text_of = (m) => m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

  // An assistant message answering in text, with its usage.
  const text_answer = (m) => {
    expect(m.type === 'message' && m.role === 'assistant', 'an assistant message', m);
    expect(m.content.length >= 1 && m.content.every((b) => b.type === 'text') && text_of(m).length > 0, 'text blocks', m.content);
    expect(m.stop_reason === 'end_turn', 'stop_reason end_turn', m.stop_reason);
    expect(m.usage.input_tokens > 0 && m.usage.output_tokens > 0, 'usage', m.usage);
  };

  // The tool_use blocks of a message, each with an id and the required input keys.
  const tool_uses = (m, count) => {
    expect(m.stop_reason === 'tool_use', 'stop_reason tool_use', m.stop_reason);
    const uses = m.content.filter((b) => b.type === 'tool_use');
    expect(uses.length === count, `${count} tool_use block(s)`, m.content);
    for (const u of uses) {
      const keys = u.name === 'get_weather' ? weather_schema.required : time_schema.required;
      expect(typeof u.id === 'string' && u.id.length > 0, 'a tool_use id', u);
      expect(has_keys(u.input, keys), `${u.name} input with ${keys.join(', ')}`, u.input);
    }
    expect(new Set(uses.map((u) => u.id)).size === uses.length, 'distinct tool_use ids', uses);
    return uses;
  };

  // As served_or_refused in gateway_openai_checks.mjs, in the Anthropic SDK:
  // a refusal names `field` as the client's own (Anthropic) request spells it.
  const served_or_refused = async (r, feature, field, body, on_answer) => {
    const able = r.able(feature);
    const request = client.messages.create({ ...base, model: r.name, ...body }).withResponse();
    if (able.length === 0) {
      const e = await rejects(request, `a request needing ${feature} on ${r.name}`);
      expect(e instanceof Anthropic.BadRequestError && e.status === 400, 'BadRequestError', String(e));
      expect(e.error?.error?.type === 'invalid_request_error' && e.message.includes(field),
             `an invalid_request_error naming ${field}`, e.error);
      return;
    }
    const { data, response } = await request;
    served_by(response, r, able);
    on_answer(data);
  };

  for (const r of routes) {
    const model = r.name;
    const N = (what) => `${r.name}: ${what}`;

    await check(S, N('create: text, stop_reason, usage, routing headers'), async () => {
      const { data, response } = await client.messages.create({ ...base, model }).withResponse();
      served_by(response, r);
      text_answer(data);
    });

    await check(S, N('stream: every event parsed, finalMessage(), routing headers'), async () => {
      const stream = client.messages.stream({ ...base, model });
      const seen = [];
      let text = '';
      stream.on('streamEvent', (event) => seen.push(event.type));
      stream.on('text', (delta) => { text += delta; });
      const { response } = await stream.withResponse();
      served_by(response, r);
      const m = await stream.finalMessage();
      text_answer(m);
      expect(text_of(m) === text, 'assembled text', { text, content: m.content });
      expect(seen[0] === 'message_start' && seen.at(-1) === 'message_stop', 'start and stop events', seen);
      for (const t of ['content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta'])
        expect(seen.includes(t), t, seen);
    });

    await check(S, N('tools: a tool_use block with its input'), async () => {
      const { data, response } = await client.messages.create({
        ...base, model, tools: [weather], tool_choice: { type: 'auto' },
      }).withResponse();
      served_by(response, r);
      const [use] = tool_uses(data, 1);
      expect(use.name === 'get_weather', 'get_weather used', use);
    });

    await check(S, N('tools streamed: finalMessage() assembles input_json_delta'), async () => {
      const m = await client.messages.stream({ ...base, model, tools: [weather] }).finalMessage();
      const [use] = tool_uses(m, 1);
      expect(use.name === 'get_weather', 'get_weather used', use);
    });

    await check(S, N('two tools: two tool_use blocks'), async () => {
      const m = await client.messages.create({ ...base, model, tools: [weather, time] });
      const uses = tool_uses(m, 2);
      expect(uses[0].name === 'get_weather' && uses[1].name === 'get_time', 'both tools', uses);
    });

    await check(S, N('two tools streamed: finalMessage() assembles both'), async () => {
      const m = await client.messages.stream({ ...base, model, tools: [weather, time] }).finalMessage();
      const uses = tool_uses(m, 2);
      expect(uses[0].name === 'get_weather' && uses[1].name === 'get_time', 'both tools', uses);
    });

    await check(S, N('tool_choice tool: that tool (or 400 naming tool_choice)'), async () => {
      await served_or_refused(r, 'named_tool', 'tool_choice', {
        tools: [weather, time], tool_choice: { type: 'tool', name: 'get_time' },
      }, (m) => {
        const [use] = tool_uses(m, 1);
        expect(use.name === 'get_time', 'get_time used', use);
      });
    });

    await check(S, N('disable_parallel_tool_use: one tool_use (or 400 naming it)'), async () => {
      await served_or_refused(r, 'single_tool_call', 'tool_choice.disable_parallel_tool_use', {
        tools: [weather, time], tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      }, (m) => tool_uses(m, 1));
    });

    await check(S, N('tool_result second turn: text'), async () => {
      const first = await client.messages.create({ ...base, model, tools: [weather, time] });
      const uses = tool_uses(first, 2);
      const { data, response } = await client.messages.create({
        ...base, model, tools: [weather, time],
        messages: [question, { role: 'assistant', content: first.content },
          { role: 'user', content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: '{"temperature": 21}' })) }],
      }).withResponse();
      served_by(response, r);
      text_answer(data);
    });

    await check(S, N('max_tokens 3: stop_reason max_tokens, 3 tokens'), async () => {
      const m = await client.messages.create({ ...base, model, max_tokens: 3 });
      expect(m.stop_reason === 'max_tokens' && m.usage.output_tokens === 3, 'stop_reason max_tokens after 3', m);
    });

    await check(S, N('output_config json_schema: answered'), async () => {
      const { data, response } = await client.messages.create({
        ...base, model, output_config: { format: { type: 'json_schema', schema: weather_schema } },
      }).withResponse();
      served_by(response, r);
      text_answer(data);
    });

    await check(S, N('image as a URL source: answered (or 400 naming the image block)'), async () => {
      await served_or_refused(r, 'image_url', 'messages[0].content[1]', {
        messages: [{ role: 'user', content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/images/cat.png' } },
        ] }],
      }, text_answer);
    });

    await check(S, N('image as a base64 PNG block: answered'), async () => {
      const { data, response } = await client.messages.create({
        ...base, model,
        messages: [{ role: 'user', content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png_base64 } },
        ] }],
      }).withResponse();
      served_by(response, r);
      text_answer(data);
    });
  }

  await check(S, 'missing max_tokens: BadRequestError naming max_tokens', async () => {
    const { max_tokens, ...without } = base;
    const e = await rejects(client.messages.create({ ...without, model: 'chat' }), 'no max_tokens');
    expect(e instanceof Anthropic.BadRequestError && e.status === 400, 'BadRequestError', String(e));
    expect(e.error?.type === 'error' && e.error?.error?.type === 'invalid_request_error', 'an Anthropic error body', e.error);
    expect(/max_tokens/.test(e.message), 'max_tokens named', e.message);
  });

  await check(S, 'temperature 5: BadRequestError naming temperature', async () => {
    const e = await rejects(client.messages.create({ ...base, model: 'chat', temperature: 5 }), 'temperature 5');
    expect(e instanceof Anthropic.BadRequestError && /temperature/.test(e.message), 'temperature named', String(e));
  });

  await check(S, 'unknown route: NotFoundError (also when streaming)', async () => {
    const e = await rejects(client.messages.create({ ...base, model: 'no-such-route' }), 'an unknown route');
    expect(e instanceof Anthropic.NotFoundError && e.status === 404, 'NotFoundError', String(e));
    expect(e.error?.error?.type === 'not_found_error' && /no-such-route/.test(e.message), 'not_found_error naming it', e.error);
    const streamed = await rejects(client.messages.stream({ ...base, model: 'no-such-route' }).finalMessage(),
                                   'an unknown route, streaming');
    expect(streamed instanceof Anthropic.NotFoundError, 'NotFoundError', String(streamed));
  });
}
