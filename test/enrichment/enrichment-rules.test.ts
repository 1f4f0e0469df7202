import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signalUrlKey } from '../../src/enrichment/company-signals.ts';
import { departmentOf, tenureMonths } from '../../src/enrichment/derived-features.ts';
import { roleFromLabel, roleFromTitle } from '../../src/enrichment/role-resolution.ts';
import { offlineCategory } from '../../src/llm/classify-batch.ts';
import { SIGNAL_CATEGORIES } from '../../src/enrichment/signal-types.ts';

describe('enrichment rules', () => {
  test('CRM role labels and deal field names as buying roles', () => {
    const cases: Array<[string | null, string | null]> = [
      ['Economic Buyer', 'economic_buyer'],
      ['economic_buyer', 'economic_buyer'],
      ['Executive Sponsor', 'economic_buyer'],
      ['Decision Maker', 'decision_maker'],
      ['champion', 'champion'],
      ['Technical Buyer', 'technical_evaluator'],
      ['Evaluator', 'technical_evaluator'],
      ['Business User', 'end_user'],
      ['User', 'end_user'],
      ['Procurement', 'procurement'],
      ['Influencer', 'influencer'],
      ['Submitter', null],
      ['', null],
      [null, null],
    ];
    for (const [label, role] of cases) assert.equal(roleFromLabel(label), role, String(label));
  });

  test('titles suggest roles; a title naming none is no answer', () => {
    const cases: Array<[string, string | null]> = [
      ['Chief Financial Officer', 'economic_buyer'],
      ['CEO & Co-Founder', 'economic_buyer'],
      ['VP Sales', 'decision_maker'],
      ['Head of Revenue Operations', 'decision_maker'],
      ['Director of IT', 'technical_evaluator'],
      ['Senior Software Engineer', 'technical_evaluator'],
      ['Procurement Lead', 'procurement'],
      ['Sales Manager', 'champion'],
      ['Revenue Analyst', 'end_user'],
      ['Board Observer', null],
    ];
    for (const [title, role] of cases) assert.equal(roleFromTitle(title), role, title);
  });

  test('tenure in whole months at the close; departments without the master_ prefix', () => {
    const person = (start: string | null, current: boolean | null = true) => ({
      employment_history: [
        { current: false, start_date: '2010-01-01', end_date: '2014-01-01' },
        { current, start_date: start, end_date: null },
      ],
    });
    assert.equal(tenureMonths(person('2020-01-15'), '2025-06-30'), 65);
    assert.equal(tenureMonths(person('2020-01-15'), '2025-06-14'), 64);
    assert.equal(tenureMonths(person('2020-01-15', null), '2020-01-20'), 0);
    assert.equal(tenureMonths(person(null), '2025-06-30'), null);
    assert.equal(
      tenureMonths(person('2026-01-01'), '2025-06-30'),
      0,
      'a start after the close is no negative tenure',
    );
    assert.equal(tenureMonths(null, '2025-06-30'), null);
    assert.equal(departmentOf({ departments: ['master_finance'] }), 'finance');
    assert.equal(departmentOf({ departments: [] }), null);
  });

  test('offline signal rules and URL keys', () => {
    const cases: Array<[string, string]> = [
      ['Initech acquires Acme for $2B', 'acquisition'],
      ['Acme Corp raises $40M Series B', 'funding'],
      ['Acme announces 300 layoffs in restructuring', 'layoffs'],
      ['Acme appoints Jane Doe as new CFO', 'leadership_change'],
      ['Acme sued over patent', 'legal'],
      ['Acme is hiring 200 engineers', 'hiring'],
      ['Acme opens new office in Berlin', 'expansion'],
      ['Acme unveils Acme Cloud', 'product_launch'],
      ['Acme partners with Globex', 'partnership'],
      ['Acme wins Best Workplace award', 'award'],
      ['Acme quarterly update', 'other'],
    ];
    for (const [text, type] of cases)
      assert.equal(offlineCategory(text, SIGNAL_CATEGORIES, 'other'), type, text);
    assert.equal(signalUrlKey('https://news.test/a/#top'), 'https://news.test/a');
    assert.equal(signalUrlKey(' https://news.test/a?x=1 '), 'https://news.test/a?x=1');
  });
});
