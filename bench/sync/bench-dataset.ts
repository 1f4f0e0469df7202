/** The benchmark's HubSpot dataset: N contacts and N deals, deterministic, shared by the fake process and the baseline. */
import { type HsObject, type HubspotDataset, PIPELINES } from '../../test/fakes/fake-hubspot.ts';

export const BENCH_TOKEN = 'bench-token-0123456789';

export function dataset(n: number): HubspotDataset {
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const stages = PIPELINES.results[0]!.stages.map((s) => s.id);
  const contacts: HsObject[] = [];
  const deals: HsObject[] = [];
  for (let i = 1; i <= n; i++) {
    const at = new Date(t0 + i * 1000).toISOString();
    contacts.push({
      id: String(100_000_000 + i),
      properties: {
        firstname: `First${i}`,
        lastname: `Last${i}`,
        email: `person${i}@company${i % 5000}.example`,
        phone: '+1 555 0100',
        jobtitle: i % 7 ? 'Account Executive' : 'VP Sales',
        lifecyclestage: 'lead',
        hubspot_owner_id: String(1 + (i % 20)),
        createdate: at,
        lastmodifieddate: at,
      },
      createdAt: at,
      updatedAt: at,
      archived: false,
      assoc: {},
    });
    const stage = stages[i % stages.length]!;
    deals.push({
      id: String(200_000_000 + i),
      properties: {
        dealname: `Deal ${i}`,
        amount: String(1000 + (i % 97) * 250),
        pipeline: 'default',
        dealstage: stage,
        closedate: '2025-06-30T00:00:00.000Z',
        hubspot_owner_id: String(1 + (i % 20)),
        hs_is_closed: String(stage.startsWith('closed')),
        hs_is_closed_won: String(stage === 'closedwon'),
        dealtype: 'newbusiness',
        createdate: at,
        hs_lastmodifieddate: at,
      },
      createdAt: at,
      updatedAt: at,
      archived: false,
      assoc: {},
    });
  }
  const owners = Array.from({ length: 20 }, (_, k) => ({
    id: String(k + 1),
    email: `rep${k + 1}@vendor.example`,
    firstName: 'Rep',
    lastName: String(k + 1),
  }));
  return {
    token: BENCH_TOKEN,
    objects: { companies: [], contacts, deals, calls: [], emails: [], meetings: [], notes: [], tasks: [] },
    owners,
    customProperties: {},
  };
}
