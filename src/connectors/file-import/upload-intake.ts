/**
 * Multipart intake: streams the `file` part to a temp file (never into memory) with the configured size
 * limit, and collects the small text fields (entity_type, sheet).
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import busboy from 'busboy';
import { AppError, ValidationError } from '../../errors.ts';
import { newTempPath, removeTempFile } from './temp-files.ts';

export interface Upload {
  path: string;
  fileName: string;
  size: number;
  fields: Record<string, string>;
}

export async function receiveUpload(req: Request, dir: string, maxBytes: number): Promise<Upload> {
  if (!req.is('multipart/form-data')) {
    throw new ValidationError('send the file as multipart/form-data with a "file" field');
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 10_000 },
    });
  } catch (err) {
    throw new ValidationError(`malformed multipart request: ${(err as Error).message}`);
  }
  const path = await newTempPath(dir);
  const fields: Record<string, string> = {};
  let fileName: string | null = null;
  let size = 0;
  let tooLarge = false;
  let writing: Promise<void> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      bb.on('field', (name, value) => {
        fields[name] = value;
      });
      bb.on('file', (name, stream, info) => {
        if (name !== 'file' || fileName !== null) {
          stream.resume();
          return;
        }
        fileName = (info.filename || 'upload').slice(0, 255);
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
        });
        stream.on('limit', () => {
          tooLarge = true;
        });
        writing = pipeline(stream, createWriteStream(path));
        writing.catch(reject);
      });
      bb.on('error', (err) =>
        reject(new ValidationError(`malformed multipart request: ${(err as Error).message}`)),
      );
      bb.on('close', () => resolve());
      req.pipe(bb);
    });
    if (writing) await writing;
    if (tooLarge) {
      throw new AppError(
        'payload_too_large',
        `the file is larger than the import limit of ${maxBytes} bytes`,
      );
    }
    if (fileName === null) throw new ValidationError('no "file" part in the upload');
    return { path, fileName, size, fields };
  } catch (err) {
    req.unpipe(bb);
    req.resume();
    await removeTempFile(path);
    throw err;
  }
}
