/**
 * The enrichment tests' common ground: the fake Apollo and Serper answering for the seeded world, the app
 * pointed at them, and small helpers to start a batch and read a run's steps or a deal's committee.
 */
import assert from 'node:assert/strict';
import { settleEnrichmentRuns } from '../../src/enrichment/enrichment-runs.ts';
import { type FakeApollo, type FakeApolloPerson, startFakeApollo } from '../fakes/fake-apollo.ts';
import { type FakeSerper, startFakeSerper } from '../fakes/fake-serper.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { type EnrichmentWorld, seedEnrichmentWorld } from './enrichment-seed.ts';

export const APOLLO_KEY = 'apollo-test-key-1';
export const SERPER_KEY = 'serper-test-key-1';

export type Step = { step: string; status: string; summary: Record<string, any>; error?: string };
export const stepOf = (run: { steps: Step[] }, name: string) => run.steps.find((s) => s.step === name)!;

const person = (first: string, last: string, extra: Partial<FakeApolloPerson> = {}): FakeApolloPerson => ({
  email: `${first}.${last}@acme.test`.toLowerCase(),
  first_name: first,
  last_name: last,
  domain: 'acme.test',
  title: 'Manager',
  seniority: 'manager',
  departments: ['master_operations'],
  start_date: '2023-01-01',
  ...extra,
});

export interface EnrichmentFixture {
  app: TestApp;
  apollo: FakeApollo;
  serper: FakeSerper;
  w: EnrichmentWorld;
  path(p: string): string;
  /** Starts a batch (202), waits for it, returns the finished run. */
  batch(body: unknown): Promise<any>;
  committee(
    dealId: string,
  ): Promise<{ members: Array<Record<string, any>>; roles_present: string[]; committee_size: number }>;
  close(): Promise<void>;
}

export async function startEnrichmentFixture(): Promise<EnrichmentFixture> {
  const apollo = await startFakeApollo(APOLLO_KEY, [
    person('Carla', 'Finch', {
      title: 'CFO',
      seniority: 'c_suite',
      departments: ['master_finance'],
      start_date: '2020-01-15',
    }),
    person('Dan', 'Moss'),
    person('Finn', 'Hale', { seniority: 'senior', departments: ['master_sales'] }),
    // No email on the CRM contact: matched by name and the account's domain.
    person('Gia', 'Rossi', { email: null }),
    person('Hal', 'Berg', {
      email_locked: true,
      seniority: 'director',
      departments: ['master_information_technology'],
    }),
    person('Ivy', 'Lane', { email: 'ivy.lane@globex.test', domain: 'globex.test', seniority: 'vp' }),
  ]);
  const serper = await startFakeSerper(SERPER_KEY);
  serper.results.set('Acme Corp', {
    news: [
      { title: 'Acme Corp raises $40M Series B', link: 'https://news.test/acme-b', date: 'Mar 3, 2025' },
      {
        title: 'Acme Corp is hiring 200 engineers',
        link: 'https://news.test/acme-hiring',
        date: '2 days ago',
      },
    ],
    search: [
      // The same article again (with a fragment): stored once.
      { title: 'Acme Corp raises $40M', link: 'https://news.test/acme-b#top' },
      {
        title: 'Acme Corp acquires Initech',
        link: 'https://web.test/acme-initech',
        snippet: 'Deal closes',
      },
    ],
  });
  serper.results.set('Globex', {
    news: [{ title: 'Globex announces layoffs', link: 'https://news.test/globex-cuts', date: 'Jan 5, 2025' }],
    search: [],
  });
  const app = await startTestApp({
    PANDORA_APOLLO_BASE_URL: `${apollo.url}/api/v1`,
    PANDORA_SERPER_BASE_URL: serper.url,
  });
  const w = await seedEnrichmentWorld(app.db);
  const path = (p: string) => `/api/workspaces/${w.workspaceId}${p}`;
  return {
    app,
    apollo,
    serper,
    w,
    path,
    async batch(body) {
      const started = await app.request('POST', path('/enrichment/batch'), { body });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      await settleEnrichmentRuns();
      const run = await app.request('GET', path(`/enrichment/runs/${started.body.id}`));
      assert.equal(run.status, 200);
      return run.body;
    },
    async committee(dealId) {
      const r = await app.request('GET', path(`/deals/${dealId}/buying-committee`));
      assert.equal(r.status, 200);
      return r.body;
    },
    async close() {
      await app.close();
      await apollo.close();
      await serper.close();
    },
  };
}
