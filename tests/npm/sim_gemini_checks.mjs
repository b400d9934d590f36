// The @google/genai client against the simulator's generateContent (see sim_clients.mjs).

export async function run_gemini(kit, { GoogleGenAI, ApiError }, model) {
  const { check, expect, rejects, fault, weather_schema, time_schema, weather_args, same } = kit;
  const ai = new GoogleGenAI({
    apiKey: 'sim', httpOptions: { baseUrl: kit.root, retryOptions: { attempts: 1 } },
  });
  const base = {
    model,
    contents: 'What is the weather like in the simulator today?',
    config: { systemInstruction: 'You answer briefly.' },
  };
  const tools = [{
    functionDeclarations: [
      { name: 'get_weather', description: 'weather', parametersJsonSchema: weather_schema },
      { name: 'get_time', description: 'time', parametersJsonSchema: time_schema },
    ],
  }];
  const F = 'gemini';

  await check(F, 'generateContent: text, finishReason, usageMetadata', async () => {
    const r = await ai.models.generateContent(base);
    expect(typeof r.text === 'string' && r.text.length > 0, 'text', r);
    expect(r.candidates[0].finishReason === 'STOP', 'finishReason STOP', r.candidates[0]);
    const u = r.usageMetadata;
    expect(u.promptTokenCount > 0 && u.candidatesTokenCount === r.text.split(' ').length, 'usage', u);
    expect(u.totalTokenCount === u.promptTokenCount + u.candidatesTokenCount, 'total', u);
  });

  await check(F, 'generateContentStream (SSE): every chunk parsed, text and usage', async () => {
    let text = '', chunks = 0, last = null;
    for await (const chunk of await ai.models.generateContentStream(base)) {
      chunks++;
      text += chunk.text ?? '';
      last = chunk;
    }
    expect(text.length > 0 && chunks === text.split(' ').length + 1, 'one chunk per token and a last', chunks);
    expect(last.candidates[0].finishReason === 'STOP', 'the last chunk finishes', last.candidates[0]);
    expect(last.usageMetadata.candidatesTokenCount === text.split(' ').length, 'usage', last.usageMetadata);
  });

  await check(F, 'maxOutputTokens cuts the answer: MAX_TOKENS', async () => {
    const r = await ai.models.generateContent({ ...base, config: { maxOutputTokens: 2 } });
    expect(r.candidates[0].finishReason === 'MAX_TOKENS' && r.text.split(' ').length === 2, 'two', r);
  });

  await check(F, 'function calling: parallel calls with args by type', async () => {
    const r = await ai.models.generateContent({ ...base, config: { tools } });
    const calls = r.functionCalls;
    expect(calls.length === 2 && calls[0].name === 'get_weather' && calls[1].name === 'get_time', 'two', calls);
    expect(same(calls[0].args, weather_args) && same(calls[1].args, { zone: 'sim' }), 'args', calls);
  });

  await check(F, 'function calling streamed, allowedFunctionNames and mode NONE', async () => {
    const calls = [];
    for await (const chunk of await ai.models.generateContentStream({ ...base, config: { tools } }))
      calls.push(...(chunk.functionCalls ?? []));
    expect(calls.length === 2 && same(calls[0].args, weather_args), 'two streamed calls', calls);
    const only = await ai.models.generateContent({
      ...base,
      config: { tools, toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } } },
    });
    expect(only.functionCalls.length === 1 && only.functionCalls[0].name === 'get_time', 'allowed', only);
    const none = await ai.models.generateContent({
      ...base, config: { tools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } },
    });
    expect(!none.functionCalls && none.text.length > 0, 'text with mode NONE', none);
  });

  await check(F, 'after a functionResponse the answer is text', async () => {
    const r = await ai.models.generateContent({
      ...base,
      contents: [
        { role: 'user', parts: [{ text: 'Weather?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: weather_args } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { ok: true } } }] },
      ],
      config: { tools },
    });
    expect(!r.functionCalls && r.text.length > 0, 'text', r);
  });

  await check(F, 'status fault 429: ApiError status 429 (plain and streaming)', async () => {
    await fault(model, 'status', { status: 429 });
    const e = await rejects(ai.models.generateContent(base), 'a 429');
    expect(e instanceof ApiError && e.status === 429 && /RESOURCE_EXHAUSTED/.test(e.message), 'ApiError',
           String(e));
    await fault(model, 'status', { status: 503 });
    const s = await rejects(ai.models.generateContentStream(base), 'a 503');
    expect(s instanceof ApiError && s.status === 503, 'ApiError 503', String(s));
  });

  await check(F, 'cut stream: the iteration throws', async () => {
    await fault(model, 'cut', { after_tokens: 2 });
    let chunks = 0;
    await rejects((async () => {
      for await (const _ of await ai.models.generateContentStream(base)) chunks++;
    })(), 'a cut stream');
    expect(chunks === 2, 'two chunks before the cut', chunks);
  });

  await check(F, 'error object in the stream: ApiError 500', async () => {
    await fault(model, 'error_event', { after_tokens: 1 });
    const e = await rejects((async () => {
      for await (const _ of await ai.models.generateContentStream(base));
    })(), 'an error event');
    expect(e instanceof ApiError && e.status === 500, 'ApiError 500', String(e));
  });

  await check(F, 'unknown model 404 and an invalid mode 400, typed', async () => {
    const missing = await rejects(ai.models.generateContent({ ...base, model: 'nope' }), '404');
    expect(missing instanceof ApiError && missing.status === 404, 'ApiError 404', String(missing));
    const bad = await rejects(ai.models.generateContent({
      ...base, config: { tools, toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } },
    }), '400');
    expect(bad instanceof ApiError && bad.status === 400 && /mode/.test(bad.message) && /INVALID_ARGUMENT/.test(bad.message),
           'ApiError 400 naming the mode', String(bad));
  });
}
