import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyStageMappings, listStageMappings } from '../../src/compute/stage-mappings.ts';
import {
  createStageNormaliser,
  loadStageOverrides,
  normaliseStageBuiltIn,
} from '../../src/compute/stage-normalisation.ts';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

describe('stage normalisation', () => {
  test('built-in rules: flags, known stages, keywords, probability', () => {
    const n = (rawStage: string | null, extra = {}) =>
      normaliseStageBuiltIn({ source: 'x', rawStage, ...extra });
    assert.equal(n('whatever', { isClosed: true, isWon: true }), 'closed_won');
    assert.equal(n('whatever', { isClosed: true, isWon: false }), 'closed_lost');
    assert.equal(n('closedwon'), 'closed_won');
    assert.equal(n('Closed Lost'), 'closed_lost');
    assert.equal(n('appointmentscheduled'), 'qualification');
    assert.equal(n('Proposal/Price Quote'), 'decision');
    assert.equal(n('Negotiation/Review'), 'negotiation');
    assert.equal(n('Prospecting'), 'awareness');
    assert.equal(n('Technical Demo'), 'evaluation');
    assert.equal(n('1234567', { alias: 'Contract Out' }), 'negotiation');
    assert.equal(n('Stage 3', { probability: 60 }), 'decision');
    assert.equal(n('Stage 9'), null);
    // Pipelines named in German, French and Spanish.
    const localised: Array<[string, string]> = [
      ['Kontakt aufgenommen', 'awareness'],
      ['Termin vereinbart', 'qualification'],
      ['Bedarfsanalyse', 'qualification'],
      ['Präsentation', 'evaluation'],
      ['Angebot gemacht', 'decision'],
      ['Verhandlung', 'negotiation'],
      ['Gewonnen', 'closed_won'],
      ['Verloren', 'closed_lost'],
      ['Nouveau', 'awareness'],
      ['Rendez-vous planifié', 'qualification'],
      ['Démonstration', 'evaluation'],
      ['Évaluation', 'evaluation'],
      ['Devis envoyé', 'decision'],
      ['Négociation', 'negotiation'],
      ['Gagnée', 'closed_won'],
      ['Perdue', 'closed_lost'],
      ['Contactado', 'awareness'],
      ['Reunión agendada', 'qualification'],
      ['Evaluación', 'evaluation'],
      ['Propuesta enviada', 'decision'],
      ['Negociación', 'negotiation'],
      ['Ganado', 'closed_won'],
      ['Perdido', 'closed_lost'],
    ];
    for (const [label, stage] of localised) assert.equal(n(label), stage, label);
  });

  describe('workspace overrides', () => {
    let t: TestDb;
    let ws: string;
    before(async () => {
      t = await createTestDb();
      ws = (await t.db.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('w') RETURNING id`))
        .rows[0]!.id;
      await withWorkspace(t.db, ws, (tx) =>
        bulkUpsert(tx, ENTITY_TABLES.deals, ws, [
          {
            source: 'hubspot',
            source_id: '1',
            stage: 'Pilot',
            stage_normalized: 'evaluation',
            probability: 40,
          },
          {
            source: 'hubspot',
            source_id: '2',
            stage: 'Pilot',
            stage_normalized: 'evaluation',
            probability: 40,
          },
          {
            source: 'salesforce',
            source_id: '3',
            stage: 'Pilot',
            stage_normalized: 'evaluation',
            probability: 40,
          },
        ]),
      );
    });
    after(() => t.close());

    const stages = async () =>
      (
        await t.db.query<{ source_id: string; stage_normalized: string }>(
          'SELECT source_id, stage_normalized FROM deals WHERE workspace_id = $1 ORDER BY source_id',
          [ws],
        )
      ).rows.map((r) => r.stage_normalized);

    test('a mapping wins and re-normalises only the matching source', async () => {
      const n = await withWorkspace(t.db, ws, (tx) =>
        applyStageMappings(tx, ws, [
          { source: 'hubspot', raw_stage: 'Pilot', stage_normalized: 'negotiation' },
        ]),
      );
      assert.equal(n, 2);
      assert.deepEqual(await stages(), ['negotiation', 'negotiation', 'evaluation']);
      const normalise = createStageNormaliser(
        await withWorkspace(t.db, ws, (tx) => loadStageOverrides(tx, ws)),
      );
      assert.equal(normalise({ source: 'hubspot', rawStage: 'Pilot' }), 'negotiation');
      assert.equal(normalise({ source: 'salesforce', rawStage: 'Pilot', probability: 40 }), 'evaluation');
      // Applying the same mapping again changes nothing.
      const again = await withWorkspace(t.db, ws, (tx) =>
        applyStageMappings(tx, ws, [
          { source: 'hubspot', raw_stage: 'Pilot', stage_normalized: 'negotiation' },
        ]),
      );
      assert.equal(again, 0);
    });

    test('removing a mapping falls back to the built-in rules', async () => {
      await withWorkspace(t.db, ws, (tx) =>
        applyStageMappings(tx, ws, [{ source: 'hubspot', raw_stage: 'Pilot', stage_normalized: null }]),
      );
      assert.deepEqual(await stages(), ['evaluation', 'evaluation', 'evaluation']);
      assert.equal((await withWorkspace(t.db, ws, (tx) => listStageMappings(tx, ws))).length, 0);
    });
  });
});
