/**
 * Read-ahead over one object list: fetches `after`-paged list pages into a bounded buffer while the
 * consumer is busy, so the initial sync can walk the next object while the current one is written.
 * List paging is sequential within an object; the concurrency is across objects.
 *
 * Each page is prepared (normalised) as soon as it arrives, in the event-loop turn of its own response:
 * the CPU work is spread between the writer's database round trips instead of running as one long
 * microtask chain when the consumer asks for a batch, which would hold back every reply the writer is
 * waiting for.
 */
import type { HttpClient } from '../http-client.ts';
import { type HubspotObject, type HubspotPage, listObjects } from './hubspot-api.ts';

export interface ListWalker<T> {
  /** The next prepared API page, or null after the last one. Rethrows a fetch or prepare failure. */
  next(): Promise<T | null>;
  stop(): void;
}

export function startListWalker<T>(
  http: HttpClient,
  object: HubspotObject,
  opts: {
    after?: string;
    properties: readonly string[];
    associations: readonly string[];
    maxBuffered: number;
    prepare(page: HubspotPage): T;
  },
): ListWalker<T> {
  const buffer: T[] = [];
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
        buffer.push(opts.prepare(page));
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
