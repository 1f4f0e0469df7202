/**
 * Read-ahead over one object list: fetches `after`-paged list pages into a bounded buffer while the
 * consumer is busy, so the initial sync can walk the next object while the current one is written.
 * List paging is sequential within an object; the concurrency is across objects.
 */
import type { HttpClient } from '../http-client.ts';
import { type HubspotObject, type HubspotPage, listObjects } from './hubspot-api.ts';

export interface ListWalker {
  /** The next API page, or null after the last one. Rethrows a fetch failure. */
  next(): Promise<HubspotPage | null>;
  stop(): void;
}

export function startListWalker(
  http: HttpClient,
  object: HubspotObject,
  opts: {
    after?: string;
    properties: readonly string[];
    associations: readonly string[];
    maxBuffered: number;
  },
): ListWalker {
  const buffer: HubspotPage[] = [];
  let finished = false;
  let stopped = false;
  let failure: unknown;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const notify = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };

  void (async () => {
    let after = opts.after;
    try {
      do {
        while (buffer.length >= opts.maxBuffered && !stopped) {
          await new Promise<void>((resolve) => {
            wakeProducer = resolve;
          });
        }
        if (stopped) return;
        const page = await listObjects(http, object, {
          after,
          properties: opts.properties,
          associations: opts.associations,
        });
        buffer.push(page);
        after = page.paging?.next?.after;
        notify();
      } while (after);
    } catch (err) {
      failure = err ?? new Error('list walk failed');
    } finally {
      finished = true;
      notify();
    }
  })();

  return {
    async next() {
      for (;;) {
        if (buffer.length > 0) {
          const page = buffer.shift()!;
          wakeProducer?.();
          wakeProducer = undefined;
          return page;
        }
        if (failure) throw failure;
        if (finished) return null;
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
      }
    },
    stop() {
      stopped = true;
      wakeProducer?.();
    },
  };
}
