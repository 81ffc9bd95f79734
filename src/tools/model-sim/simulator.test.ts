// The model simulator speaks the chat-completions API as the official OpenAI client reads it: a
// streamed reply, a tool call and the answer after its result, failures and a dropped stream.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_SIM_MODEL, parseDirectives, startModelSimulator } from './simulator.js';
import type { ModelSimulator } from './simulator.js';

describe('model simulator', () => {
  let sim: ModelSimulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startModelSimulator({ deltasPerSecond: 500, apiKey: 'sk-test-key' });
    client = new OpenAI({ baseURL: sim.baseUrl, apiKey: 'sk-test-key', maxRetries: 0 });
  });
  afterAll(() => sim?.close());

  it('reads its directives', () => {
    expect(parseDirectives('hi [[tool:list_cameras {"query":"north"}]] [[status:429 times:2]] [[drop:4]] [[words:7]]')).toEqual({
      tool: { name: 'list_cameras', arguments: '{"query":"north"}' },
      status: { code: 429, times: 2 },
      drop: 4,
      words: 7,
    });
    expect(parseDirectives('no directives here')).toEqual({});
  });

  it('streams an echo, word by word, with usage at the end', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL_SIM_MODEL,
      messages: [{ role: 'user', content: 'hello there camera' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.join('')).toBe('You said: hello there camera');
    expect(deltas.length).toBe(5);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(5);
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('calls a tool, then answers from its result', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'which cameras? [[tool:list_cameras {"query":"north"}]]' },
    ];
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'list_cameras', parameters: { type: 'object' } } }];
    const first = await client.chat.completions.create({ model: MODEL_SIM_MODEL, messages, tools });
    const call = first.choices[0]!.message.tool_calls?.[0];
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function).toEqual({ name: 'list_cameras', arguments: '{"query":"north"}' });
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '{"items":["North gate"]}' });
    const second = await client.chat.completions.create({ model: MODEL_SIM_MODEL, messages, tools });
    expect(second.choices[0]!.message.content).toBe('The tool answered: {"items":["North gate"]}');
  });

  it('answers a scripted status only as many times as asked, then normally', async () => {
    const ask = () =>
      client.chat.completions.create({ model: MODEL_SIM_MODEL, messages: [{ role: 'user', content: 'once [[status:429 times:1]]' }] });
    await expect(ask()).rejects.toMatchObject({ status: 429 });
    expect((await ask()).choices[0]!.message.content).toBe('You said: once');
    await expect(
      client.chat.completions.create({ model: MODEL_SIM_MODEL, messages: [{ role: 'user', content: '[[status:500]]' }] }),
    ).rejects.toMatchObject({ status: 500 });
  });

  it('drops the connection after the deltas asked for', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL_SIM_MODEL,
      messages: [{ role: 'user', content: '[[words:20]] [[drop:3]]' }],
      stream: true,
    });
    const deltas: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      })(),
    ).rejects.toThrow();
    expect(deltas).toEqual(['word1 ', 'word2 ', 'word3 ']);
  });

  it('refuses a wrong API key with 401, and keeps only the key length of the requests it saw', async () => {
    const wrong = new OpenAI({ baseURL: sim.baseUrl, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(
      wrong.chat.completions.create({ model: MODEL_SIM_MODEL, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(JSON.stringify(sim.requests)).not.toContain('sk-test-key');
    expect(sim.requests.at(-1)?.headers.authorization).toBe('Bearer <11 characters>');
  });
});
