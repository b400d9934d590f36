// The openai SDK against llmopt's POST /v1/chat/completions, on every route
// (see gateway_clients.mjs).

export async function run_openai(kit, OpenAI) {
  const { check, expect, rejects, served_by, routes, weather_schema, time_schema, png_base64, has_keys } = kit;
  const client = new OpenAI({ apiKey: 'any-key', baseURL: kit.root + '/v1', maxRetries: 0, timeout: 20000 });
  const messages = [
    { role: 'system', content: 'You answer briefly.' },
    { role: 'user', content: 'What is the weather like in the simulator today?' },
  ];
  const weather = { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: weather_schema } };
  const time = { type: 'function', function: { name: 'get_time', description: 'time', parameters: time_schema } };
  const S = 'openai';

  // The calls of a completion's message, each with its name and JSON
  // arguments holding the schema's required keys.
  const tool_calls = (completion, count) => {
    const c = completion.choices[0];
    expect(c.finish_reason === 'tool_calls', 'finish_reason tool_calls', c.finish_reason);
    const calls = c.message.tool_calls ?? [];
    expect(calls.length === count, `${count} tool call(s)`, calls);
    for (const call of calls) {
      expect(call.type === 'function' && typeof call.id === 'string' && call.id.length > 0, 'a function call with an id', call);
      const args = JSON.parse(call.function.arguments);
      const keys = call.function.name === 'get_weather' ? weather_schema.required : time_schema.required;
      expect(has_keys(args, keys), `${call.function.name} arguments with ${keys.join(', ')}`, args);
    }
    expect(new Set(calls.map((x) => x.id)).size === calls.length, 'distinct call ids', calls);
    return calls;
  };

  // A request some candidates of the route cannot take: served by one that
  // can, or, when none can, a BadRequestError naming `field`.
  const served_or_refused = async (r, feature, field, body, on_answer) => {
    const able = r.able(feature);
    const request = client.chat.completions.create({ model: r.name, ...body }).withResponse();
    if (able.length === 0) {
      const e = await rejects(request, `a request needing ${feature} on ${r.name}`);
      expect(e instanceof OpenAI.BadRequestError, 'BadRequestError', String(e));
      expect(e.param?.startsWith(field) && e.message.includes(field), `the error naming ${field}`, e.error);
      return;
    }
    const { data, response } = await request;
    served_by(response, r, able);
    on_answer(data);
  };

  for (const r of routes) {
    const model = r.name;
    const N = (what) => `${r.name}: ${what}`;

    await check(S, N('create: text, finish_reason, usage, routing headers'), async () => {
      const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
      served_by(response, r);
      const c = data.choices[0];
      expect(data.object === 'chat.completion', 'a chat.completion', data.object);
      expect(c.message.role === 'assistant' && typeof c.message.content === 'string' && c.message.content.length > 0,
             'assistant text', c.message);
      expect(c.finish_reason === 'stop', 'finish_reason stop', c.finish_reason);
      const u = data.usage;
      expect(u && u.prompt_tokens > 0 && u.completion_tokens > 0, 'token counts', u);
      expect(u.total_tokens === u.prompt_tokens + u.completion_tokens, 'total = prompt + completion', u);
    });

    await check(S, N('stream with include_usage: finalChatCompletion() and a usage chunk'), async () => {
      const stream = client.chat.completions.stream({ model, messages, stream_options: { include_usage: true } });
      let text = '', usage_chunks = 0, usage = null;
      for await (const chunk of stream) {
        expect(chunk.object === 'chat.completion.chunk', 'chunk objects', chunk);
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) {
          usage_chunks++;
          usage = chunk.usage;
          expect(chunk.choices.length === 0, 'the usage chunk without choices', chunk);
        }
      }
      const final = await stream.finalChatCompletion();
      expect(text.length > 0 && final.choices[0].message.content === text, 'assembled text', final);
      expect(final.choices[0].finish_reason === 'stop', 'finish_reason stop', final.choices[0]);
      expect(usage_chunks === 1, 'one usage chunk', usage_chunks);
      expect(usage.prompt_tokens > 0 && usage.completion_tokens > 0 &&
             usage.total_tokens === usage.prompt_tokens + usage.completion_tokens, 'usage numbers', usage);
    });

    await check(S, N('stream without include_usage: no usage chunk, routing headers'), async () => {
      const { data: stream, response } = await client.chat.completions.create({ model, messages, stream: true }).withResponse();
      served_by(response, r);
      expect(response.headers.get('content-type')?.startsWith('text/event-stream'), 'an event stream',
             response.headers.get('content-type'));
      let text = '', usage_seen = null, finish = null;
      for await (const chunk of stream) {
        if (chunk.usage) usage_seen = chunk;
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(usage_seen === null, 'no chunk with usage', usage_seen);
      expect(text.length > 0 && finish === 'stop', 'text and finish_reason stop', { text, finish });
    });

    await check(S, N('tools, tool_choice auto: one call with the required arguments'), async () => {
      const { data, response } = await client.chat.completions.create({
        model, messages, tools: [weather], tool_choice: 'auto',
      }).withResponse();
      served_by(response, r);
      const [call] = tool_calls(data, 1);
      expect(call.function.name === 'get_weather', 'get_weather called', call);
    });

    await check(S, N('tools streamed: finalChatCompletion() assembles the call'), async () => {
      const final = await client.chat.completions.stream({
        model, messages, tools: [weather], tool_choice: 'auto',
      }).finalChatCompletion();
      const [call] = tool_calls(final, 1);
      expect(call.function.name === 'get_weather', 'get_weather called', call);
    });

    await check(S, N('tool_choice naming a function: that call (or 400 naming tool_choice)'), async () => {
      await served_or_refused(r, 'named_tool', 'tool_choice', {
        messages, tools: [weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } },
      }, (data) => {
        const [call] = tool_calls(data, 1);
        expect(call.function.name === 'get_time', 'get_time called', call);
      });
    });

    if (r.able('named_tool').length > 0)
      await check(S, N('tool_choice naming a function, streamed: that call'), async () => {
        const final = await client.chat.completions.stream({
          model, messages, tools: [weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } },
        }).finalChatCompletion();
        const [call] = tool_calls(final, 1);
        expect(call.function.name === 'get_time', 'get_time called', call);
      });

    await check(S, N('parallel tool calls: two tools, two calls'), async () => {
      const { data, response } = await client.chat.completions.create({
        model, messages, tools: [weather, time],
      }).withResponse();
      served_by(response, r);
      const calls = tool_calls(data, 2);
      expect(calls[0].function.name === 'get_weather' && calls[1].function.name === 'get_time', 'both tools', calls);
    });

    await check(S, N('parallel tool calls streamed: finalChatCompletion() assembles both, then usage'), async () => {
      const stream = client.chat.completions.stream({
        model, messages, tools: [weather, time], stream_options: { include_usage: true },
      });
      let usage = null;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      const calls = tool_calls(await stream.finalChatCompletion(), 2);
      expect(calls[0].function.name === 'get_weather' && calls[1].function.name === 'get_time', 'both tools', calls);
      expect(usage?.completion_tokens > 0, 'a usage chunk after the calls', usage);
    });

    await check(S, N('parallel_tool_calls false: one call (or 400 naming parallel_tool_calls)'), async () => {
      await served_or_refused(r, 'single_tool_call', 'parallel_tool_calls', {
        messages, tools: [weather, time], parallel_tool_calls: false,
      }, (data) => tool_calls(data, 1));
    });

    await check(S, N('max_completion_tokens 3: finish_reason length, 3 tokens'), async () => {
      const { data, response } = await client.chat.completions.create({
        model, messages, max_completion_tokens: 3,
      }).withResponse();
      served_by(response, r);
      expect(data.choices[0].finish_reason === 'length', 'finish_reason length', data.choices[0]);
      expect(data.usage.completion_tokens === 3, 'three completion tokens', data.usage);
    });

    await check(S, N('second turn with the tool results: text'), async () => {
      const first = await client.chat.completions.create({ model, messages, tools: [weather, time] });
      const calls = tool_calls(first, 2);
      // As an application does: the assistant message back as the SDK parsed it.
      const { data, response } = await client.chat.completions.create({
        model, tools: [weather, time],
        messages: [...messages, first.choices[0].message,
          ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: '{"temperature": 21}' }))],
      }).withResponse();
      served_by(response, r);
      const c = data.choices[0];
      expect(c.finish_reason === 'stop' && c.message.content?.length > 0, 'text with finish_reason stop', c);
    });

    await check(S, N('image as a data: URI PNG: answered'), async () => {
      const { data, response } = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png_base64}` } },
        ] }],
      }).withResponse();
      served_by(response, r);
      expect(data.choices[0].message.content.length > 0, 'text', data.choices[0]);
    });

    await check(S, N('image as an https URL: answered (or 400 naming the image part)'), async () => {
      await served_or_refused(r, 'image_url', 'messages[0].content[1]', {
        messages: [{ role: 'user', content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image_url', image_url: { url: 'https://example.com/images/cat.png' } },
        ] }],
      }, (data) => expect(data.choices[0].message.content.length > 0, 'text', data.choices[0]));
    });

    await check(S, N('response_format json_schema: answered'), async () => {
      const { data, response } = await client.chat.completions.create({
        model, messages,
        response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: weather_schema, strict: true } },
      }).withResponse();
      served_by(response, r);
      expect(data.choices[0].finish_reason === 'stop' && data.choices[0].message.content.length > 0, 'text',
             data.choices[0]);
    });
  }

  await check(S, 'models.list(): every route and model', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    for (const r of routes)
      for (const id of [r.name, ...r.models]) expect(ids.includes(id), `${id} listed`, ids);
  });

  await check(S, 'unknown route: NotFoundError naming it', async () => {
    const e = await rejects(client.chat.completions.create({ model: 'no-such-route', messages }), 'an unknown route');
    expect(e instanceof OpenAI.NotFoundError && e.status === 404, 'NotFoundError', String(e));
    expect(e.message.includes('no-such-route') && e.param === 'model', 'the route named, param model', e.error);
  });

  await check(S, 'unknown route, streaming: NotFoundError before any chunk', async () => {
    const e = await rejects(client.chat.completions.stream({ model: 'no-such-route', messages }).finalChatCompletion(),
                            'an unknown route');
    expect(e instanceof OpenAI.NotFoundError, 'NotFoundError', String(e));
  });

  await check(S, 'temperature 5: BadRequestError naming temperature', async () => {
    const e = await rejects(client.chat.completions.create({ model: 'chat', messages, temperature: 5 }), 'temperature 5');
    expect(e instanceof OpenAI.BadRequestError && e.status === 400, 'BadRequestError', String(e));
    expect(e.param === 'temperature' && e.message.includes('temperature'), 'temperature named', e.error);
    expect(e.type === 'invalid_request_error', 'invalid_request_error', e.error);
  });

  await check(S, 'no messages: BadRequestError naming messages', async () => {
    const e = await rejects(client.chat.completions.create({ model: 'chat', messages: [] }), 'no messages');
    expect(e instanceof OpenAI.BadRequestError && e.param === 'messages', 'BadRequestError on messages', e.error);
  });
}
