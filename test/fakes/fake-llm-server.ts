/**
 * Fake Anthropic Messages and Fireworks chat-completions servers on 127.0.0.1. Each request is recorded;
 * a queue of scripted failures (429 with Retry-After, 529 overloaded, 500, malformed body, 401) is
 * served first, then the `answer` function produces the model's text in the documented response shape.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type Scripted =
  | { kind: 'status'; status: number; errorType: string; retryAfter?: string }
  | { kind: 'malformed' };

export interface FakeLlmServer {
  url: string;
  requests: RecordedRequest[];
  script: Scripted[];
  /** The model's text for a request (system and user text as the fake saw them). */
  answer: (system: string, user: string) => string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startFakeLlmServer(flavour: 'anthropic' | 'fireworks'): Promise<FakeLlmServer> {
  const fake: FakeLlmServer = {
    url: '',
    requests: [],
    script: [],
    answer: () => '{}',
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const body = JSON.parse(raw) as Record<string, unknown>;
    fake.requests.push({ path: req.url ?? '', headers: req.headers, body });
    const expected = flavour === 'anthropic' ? '/v1/messages' : '/inference/v1/chat/completions';
    if (req.method !== 'POST' || req.url !== expected) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":{"type":"not_found_error","message":"no route"}}');
      return;
    }
    const step = fake.script.shift();
    if (step?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "msg_1", "content": [');
      return;
    }
    if (step?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (step.retryAfter !== undefined) headers['retry-after'] = step.retryAfter;
      const errBody =
        flavour === 'anthropic'
          ? { type: 'error', error: { type: step.errorType, message: step.errorType } }
          : { error: { type: step.errorType, message: step.errorType, code: String(step.status) } };
      res.writeHead(step.status, headers).end(JSON.stringify(errBody));
      return;
    }
    if (flavour === 'anthropic') {
      const system = String(body.system ?? '');
      const messages = body.messages as Array<{ role: string; content: string }>;
      const user = messages.map((m) => m.content).join('\n');
      const text = fake.answer(system, user);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `msg_${fake.requests.length}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: Math.ceil((system.length + user.length) / 4),
            output_tokens: Math.ceil(text.length / 4),
          },
        }),
      );
    } else {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const system = messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n');
      const user = messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n');
      const text = fake.answer(system, user);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `cmpl_${fake.requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: Math.ceil((system.length + user.length) / 4),
            completion_tokens: Math.ceil(text.length / 4),
            total_tokens: Math.ceil((system.length + user.length + text.length) / 4),
          },
        }),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}
