import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scrubUpstreamText, secretsOf } from '../../src/outbound/upstream-text.ts';

test('credential values are redacted in every spelling a body may quote them', () => {
  const secret = 'k3y:with/slash"quote';
  const secrets = secretsOf(
    { access_key: 'ak_live_1', secret },
    { authorization: 'Basic YWJjZGVmOjEyMzQ1Ng==' },
  );
  for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
    const out = scrubUpstreamText(`you sent ${form} and ak_live_1`, secrets);
    assert.equal(out, 'you sent [redacted] and [redacted]', form);
  }
  assert.equal(scrubUpstreamText('header was Basic YWJjZGVmOjEyMzQ1Ng==', secrets), 'header was [redacted]');
});

test('token shapes are redacted without knowing the secret; record ids survive', () => {
  const cases: Array<[string, string]> = [
    ['Authorization: Bearer abc.def-ghi', 'Authorization: [redacted]'],
    [
      '{"api_key":"zz9","id":"0f8fad5b-d9cb-469f-a165-70867728950e"}',
      '{"api_key":"[redacted]","id":"0f8fad5b-d9cb-469f-a165-70867728950e"}',
    ],
    ['token=abc123&page=2', 'token=[redacted]&page=2'],
    ['bad pat-na1-11111111-2222-3333-4444-555555555555 here', 'bad [redacted] here'],
    ['sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA', '[redacted]'],
    ['xoxb-123456789012-abcdefABCDEF', '[redacted]'],
    ['opaque Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo end', 'opaque [redacted] end'],
    [
      'deal 1234567890123456789012345678901234 not found',
      'deal 1234567890123456789012345678901234 not found',
    ],
  ];
  for (const [input, expected] of cases) assert.equal(scrubUpstreamText(input), expected, input);
});

test('control characters are flattened and at most 200 characters are kept', () => {
  assert.equal(scrubUpstreamText('a\r\nb\u0000c'), 'a b c');
  const long = scrubUpstreamText('x '.repeat(500));
  assert.equal(long.length, 200);
  assert.ok(long.endsWith('…'));
  // Redaction happens before the cut, so a secret straddling the limit never leaves half of itself.
  const secret = 'S3cr3tValueThatIsLong';
  const out = scrubUpstreamText(`${'y'.repeat(190)}${secret}`, [secret]);
  assert.ok(!out.includes('S3cr3t'));
});
