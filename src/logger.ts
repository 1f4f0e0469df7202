/** The JSON logger; secrets are redacted by path so a stray credential never reaches the log. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        '*.headers.authorization',
        '*.authorization',
        '*.credentials',
        '*.accessToken',
        '*.access_token',
        '*.apiKey',
        '*.api_key',
        '*.password',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
