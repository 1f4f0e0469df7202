/**
 * A careless upstream that repeats what it was sent: every error body quotes the Authorization header
 * and the request (query, body). Paths listed in `ok` answer 200 with `okBody`; `fail` says how the rest
 * answer (a 400, a 401, a 500). For tests that secrets never travel back into storage, logs or responses.
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export interface EchoUpstream extends FakeServer {
  setFailStatus(status: number): void;
}

export async function startEchoUpstream(ok: readonly string[], okBody: unknown): Promise<EchoUpstream> {
  let failStatus = 400;
  const server = await startFakeServer((req) => {
    if (ok.includes(req.path)) return { json: okBody };
    const auth = String(req.headers.authorization ?? '');
    return {
      status: failStatus,
      text: JSON.stringify({
        message: `invalid request: you sent Authorization ${auth}; token ${auth.replace(/^\S+\s+/, '')} is not valid here`,
        echo: { path: req.path, query: req.query, body: req.body, headers: req.headers },
      }),
    };
  });
  return Object.assign(server, {
    setFailStatus(status: number) {
      failStatus = status;
    },
  });
}
