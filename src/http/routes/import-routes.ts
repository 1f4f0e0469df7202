/** /import: file uploads with preview, confirm (applied as a job), rollback, cancel, batches, relink. */
import { Router } from 'express';
import { z } from 'zod';
import { applyStageMappings } from '../../compute/stage-mappings.ts';
import { STAGE_NORMALIZED } from '../../compute/stage-normalisation.ts';
import { liveApplies } from '../../connectors/file-import/apply-import.ts';
import { LINK_CHUNK_ROWS, relinkAll } from '../../connectors/file-import/association-inference.ts';
import {
  buildPreview,
  countImportableRows,
  type Preview,
  sampleColumns,
} from '../../connectors/file-import/build-preview.ts';
import { proposeMapping } from '../../connectors/file-import/column-mapping.ts';
import { needsRefinement, refineColumnMapping } from '../../connectors/file-import/column-refinement.ts';
import { importLimits, startApply } from '../../connectors/file-import/file-import-jobs.ts';
import {
  batchToApi,
  createBatch,
  getBatch,
  listBatches,
  requireStatus,
} from '../../connectors/file-import/import-batches.ts';
import {
  checkMapping,
  checkMoneyUnits,
  requireStageAnswers,
} from '../../connectors/file-import/confirm-checks.ts';
import { IMPORT_ENTITY_TYPES, IMPORT_FIELDS } from '../../connectors/file-import/import-fields.ts';
import {
  classifyUnknownStages,
  offlineStageClassifier,
  stageQuestions,
  undecided,
} from '../../connectors/file-import/import-stages.ts';
import { createLlmStageClassifier } from '../../connectors/file-import/llm-stage-classifier.ts';
import { createLlmSession } from '../../llm/llm-client.ts';
import { IMPORT_SOURCE } from '../../connectors/file-import/row-normaliser.ts';
import { rollbackBatch } from '../../connectors/file-import/rollback-import.ts';
import { removeTempFile } from '../../connectors/file-import/temp-files.ts';
import { receiveUpload } from '../../connectors/file-import/upload-intake.ts';
import { UnprocessableError, ValidationError } from '../../errors.ts';
import type { Principal } from '../auth.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const columnMapping = z.record(z.string(), z.string().nullable());

export const uploadFields = z
  .object({
    entity_type: z.enum(IMPORT_ENTITY_TYPES).optional(),
    sheet: z.string().min(1).max(200).optional(),
    /** A JSON object, column → field (or null): headers no vocabulary knows, mapped before the preview. */
    mapping: z
      .string()
      .max(100_000)
      .transform((text, ctx) => {
        try {
          const parsed = columnMapping.safeParse(JSON.parse(text));
          if (parsed.success) return parsed.data;
        } catch {}
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of column → field name (or null)' });
        return z.NEVER;
      })
      .optional(),
  })
  .strict();

export const confirmBody = z
  .object({
    strategy: z.enum(['replace', 'merge', 'append']),
    mapping: columnMapping.optional(),
    stage_mappings: z.record(z.string().min(1).max(500), z.enum(STAGE_NORMALIZED)).optional(),
    /** Apply the preview's proposal to every stage question the body does not answer. */
    accept_proposed_stages: z.boolean().optional(),
    /** header → factor for a money column in another unit (a revenue column in millions: 1000000). */
    money_units: z.record(z.string().min(1).max(200), z.number().positive().max(1e9)).optional(),
    /** The columns deal names are made from when no column holds the name (null: none). */
    name_from: z.array(z.string().min(1).max(200)).min(1).max(5).nullable().optional(),
  })
  .strict();

const batchPath = z.object({ batchId: uuidParam }).passthrough();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

export function importRoutes(deps: AppDeps): Router {
  const r = Router();
  const limits = importLimits(deps.config);

  r.post('/import/upload', async (req, res) => {
    const upload = await receiveUpload(req, deps.config.import.dir, deps.config.import.maxBytes);
    try {
      const fields = parseInput(uploadFields, upload.fields, 'body');
      const principal = res.locals.principal as Principal | undefined;
      const llm = createLlmSession(
        { db: deps.db, config: deps.config.llm, vault: deps.vault, log: deps.log },
        res.locals.workspaceId as string,
      );
      // Columns the heuristic mapper is unsure of go to the classify tier before the preview's
      // transaction, like unseen stage labels after it: no model call inside a transaction.
      const columns = await sampleColumns(upload.path, limits, fields.sheet ?? null);
      const heuristic = proposeMapping(columns, upload.fileName, fields.entity_type);
      const proposal = needsRefinement(heuristic)
        ? await refineColumnMapping(llm, columns, heuristic)
        : heuristic;
      if (fields.mapping) {
        checkMapping(
          proposal.entity_type,
          columns.map((c) => c.header),
          fields.mapping,
        );
      }
      const out = await inRequestWorkspace(deps, res, async (tx, ws) => {
        const preview = await buildPreview(tx, ws, {
          path: upload.path,
          fileName: upload.fileName,
          limits,
          sheet: fields.sheet ?? null,
          ...(fields.entity_type ? { entityHint: fields.entity_type } : {}),
          ...(fields.mapping
            ? {
                mapping: {
                  ...Object.fromEntries(proposal.columns.map((c) => [c.header, c.field])),
                  ...fields.mapping,
                },
              }
            : {}),
          proposal,
          stageClassifier: offlineStageClassifier,
        });
        const batch = await createBatch(tx, ws, {
          entity_type: preview.entity_type,
          file_name: upload.fileName,
          file_format: preview.format,
          file_size: upload.size,
          temp_path: upload.path,
          sheet: preview.sheet,
          row_count: preview.row_count,
          column_mapping: Object.fromEntries(preview.mapping.map((c) => [c.header, c.field])),
          classification: classificationOf(preview),
          preview: preview as unknown as Record<string, unknown>,
          warnings: preview.warnings,
          created_by: principal ? (principal.keyId ? `api_key:${principal.keyId}` : principal.kind) : null,
        });
        return { batch: batchToApi(batch), preview };
      });
      // Unseen stage labels go to the classify tier after the preview transaction: the LLM session keeps
      // its own ledger transactions, which must not nest inside ours.
      if (out.preview.stage_values.some(undecided)) {
        out.preview.stage_values = await classifyUnknownStages(
          out.preview.stage_values,
          createLlmStageClassifier(llm),
        );
        out.preview.questions = stageQuestions(out.preview.stage_values);
        out.preview.warnings = out.preview.warnings.filter(
          (w) => !/^\d+ stage values need an answer/.test(w),
        );
        if (out.preview.questions.length > 0)
          out.preview.warnings.push(
            `${out.preview.questions.length} stage values need an answer before confirming: ${out.preview.questions
              .slice(0, 20)
              .map((q) => q.value)
              .join(', ')} (see questions)`,
          );
        await inRequestWorkspace(deps, res, (tx, ws) =>
          tx.query(
            /* sql */ `UPDATE import_batches SET preview = $3::jsonb, warnings = $4::jsonb, updated_at = now()
                       WHERE workspace_id = $1::uuid AND id = $2::uuid`,
            [ws, out.batch.id, JSON.stringify(out.preview), JSON.stringify(out.preview.warnings)],
          ),
        );
        out.batch.warnings = out.preview.warnings;
      }
      res.status(201).json(out);
    } catch (err) {
      await removeTempFile(upload.path);
      throw err;
    }
  });

  r.post('/import/:batchId/confirm', async (req, res) => {
    const { batchId } = parseInput(batchPath, req.params, 'path');
    const body = parseInput(confirmBody, req.body, 'body');
    await requireImportableRows(deps, res, batchId, body);
    const batch = await inRequestWorkspace(deps, res, async (tx, ws) => {
      const b = await getBatch(tx, ws, batchId, { forUpdate: true });
      requireStatus(b, ['pending'], 'confirm');
      const mapping = { ...b.column_mapping, ...(body.mapping ?? {}) };
      checkMapping(b.entity_type, Object.keys(b.column_mapping), body.mapping ?? {});
      checkMoneyUnits(b.entity_type, mapping, body.money_units ?? {});
      const classification = {
        ...b.classification,
        ...(body.name_from !== undefined ? { name_from: body.name_from } : {}),
        ...(body.money_units ? { money_units: body.money_units } : {}),
      };
      // Stage decisions beyond the built-in rules (classifier, offline fallbacks, the user's answers) become
      // stored mappings: the apply normalises with them, and next time they cost nothing.
      const preview = b.preview as unknown as Preview;
      requireStageAnswers(preview, body);
      const decided = new Map<string, string>();
      for (const s of preview.stage_values ?? [])
        if (s.decided_by !== 'stored' && s.decided_by !== 'rules' && s.proposed)
          decided.set(s.value, s.proposed);
      for (const [raw, norm] of Object.entries(body.stage_mappings ?? {})) decided.set(raw, norm);
      if (decided.size > 0) {
        await applyStageMappings(
          tx,
          ws,
          [...decided].map(([raw_stage, stage_normalized]) => ({
            source: IMPORT_SOURCE,
            raw_stage,
            stage_normalized: stage_normalized as (typeof STAGE_NORMALIZED)[number],
          })),
        );
      }
      const { rows } = await tx.query<{ id: string }>(
        /* sql */ `UPDATE import_batches SET status = 'confirmed', strategy = $3::text, column_mapping = $4::jsonb,
                     classification = $5::jsonb, confirmed_at = now(), updated_at = now(), progress = '{"phase": "queued"}'
                   WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING id`,
        [ws, batchId, body.strategy, JSON.stringify(mapping), JSON.stringify(classification)],
      );
      return getBatch(tx, ws, rows[0]!.id);
    });
    await startApply(deps, res.locals.workspaceId as string, batchId);
    res.status(202).json({ batch: batchToApi(batch) });
  });

  r.post('/import/:batchId/rollback', async (req, res) => {
    const { batchId } = parseInput(batchPath, req.params, 'path');
    const out = await inRequestWorkspace(deps, res, async (tx, ws) => {
      const counts = await rollbackBatch(tx, ws, batchId);
      return { batch: batchToApi(await getBatch(tx, ws, batchId)), rollback: counts };
    });
    res.json(out);
  });

  r.post('/import/cancel/:batchId', async (req, res) => {
    const { batchId } = parseInput(batchPath, req.params, 'path');
    const batch = await inRequestWorkspace(deps, res, async (tx, ws) => {
      const b = await getBatch(tx, ws, batchId, { forUpdate: true });
      requireStatus(b, ['pending', 'confirmed'], 'cancel');
      await tx.query(
        /* sql */ `UPDATE import_batches SET status = 'cancelled', cancelled_at = now(), updated_at = now(), temp_path = NULL
                   WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [ws, batchId],
      );
      await removeTempFile(b.temp_path);
      return getBatch(tx, ws, batchId);
    });
    res.json({ batch: batchToApi(batch) });
  });

  // What a column can be mapped to, per entity type (the console's mapping editor offers these).
  r.get('/import/fields', (_req, res) => {
    res.json({
      data: Object.fromEntries(
        IMPORT_ENTITY_TYPES.map((type) => [
          type,
          IMPORT_FIELDS[type].map((f) => ({ name: f.name, kind: f.kind })),
        ]),
      ),
    });
  });

  r.get('/import/batches', async (req, res) => {
    const { limit } = parseInput(listQuery, req.query, 'query');
    const rows = await inRequestWorkspace(deps, res, (tx, ws) => listBatches(tx, ws, limit));
    res.json({ data: rows.map((b) => withLiveProgress(batchToApi(b))) });
  });

  r.get('/import/batches/:batchId', async (req, res) => {
    const { batchId } = parseInput(batchPath, req.params, 'path');
    // On the embedded backend a running apply holds the one database session for its whole transaction;
    // the poll that waits for it is answered from the apply's own record instead of queueing behind it.
    const live = liveApplies.get(batchId);
    if (deps.db.kind === 'pglite' && live?.workspaceId === workspaceOf(res)) {
      res.json({
        batch: { ...batchToApi(live.batch), progress: live.progress },
        preview: live.batch.preview,
      });
      return;
    }
    const b = await inRequestWorkspace(deps, res, (tx, ws) => getBatch(tx, ws, batchId));
    res.json({ batch: withLiveProgress(batchToApi(b)), preview: b.preview });
  });

  r.post('/import/relink', async (_req, res) => {
    res.json({
      relink: await inRequestWorkspace(deps, res, (tx, ws) =>
        relinkAll(tx, ws, null, LINK_CHUNK_ROWS[deps.db.kind]),
      ),
    });
  });
  return r;
}

/**
 * A confirm whose rows would all fail is refused (422) before anything is queued: with the preview's
 * mapping its count decides; a changed mapping or name is re-counted from the file (outside any
 * transaction: a streamed pass over a large file must not hold the database).
 */
async function requireImportableRows(
  deps: AppDeps,
  res: Parameters<typeof inRequestWorkspace>[1],
  batchId: string,
  body: z.infer<typeof confirmBody>,
): Promise<void> {
  const b = await inRequestWorkspace(deps, res, (tx, ws) => getBatch(tx, ws, batchId));
  if (b.status !== 'pending' || !b.temp_path) return; // the transaction's status check answers
  for (const h of body.name_from ?? []) {
    if (!(h in b.column_mapping))
      throw new ValidationError(`name_from names a column the file does not have: "${h}"`);
  }
  const preview = b.preview as unknown as Preview;
  const changed =
    (body.mapping && Object.entries(body.mapping).some(([h, f]) => b.column_mapping[h] !== f)) ||
    body.name_from !== undefined;
  let counted = { rows: preview.row_count, valid: preview.valid_rows, errors: preview.errors ?? [] };
  if (changed) {
    checkMapping(b.entity_type, Object.keys(b.column_mapping), body.mapping ?? {});
    counted = await countImportableRows({
      path: b.temp_path,
      limits: importLimits(deps.config),
      sheet: b.sheet,
      entity: b.entity_type,
      mapping: { ...b.column_mapping, ...(body.mapping ?? {}) },
      dateOrders: (b.classification.date_orders ?? {}) as Record<string, 'mdy' | 'dmy'>,
      percentScales: (b.classification.percent_scales ?? {}) as Record<string, number>,
      nameFrom:
        body.name_from !== undefined
          ? body.name_from
          : ((b.classification.name_from ?? null) as string[] | null),
    });
  }
  if (counted.valid === 0) {
    const first = counted.errors[0];
    throw new UnprocessableError(
      `none of the ${counted.rows} rows would import` +
        (first
          ? ` (e.g. row ${first.row}${first.column ? `, ${first.column}` : ''}: ${first.message})`
          : '') +
        '; change the mapping or fix the file',
      { errors: counted.errors.slice(0, 10) },
    );
  }
}

function withLiveProgress<T extends { id: string; progress: Record<string, unknown> }>(b: T): T {
  const live = liveApplies.get(b.id);
  return live ? { ...b, progress: live.progress } : b;
}

function classificationOf(p: Preview): Record<string, unknown> {
  return {
    entity_type: p.entity_type,
    entity_confidence: p.entity_confidence,
    classifier: p.classifier,
    columns: p.mapping,
    date_orders: p.date_orders,
    percent_scales: p.percent_scales,
    name_from: p.proposed_name?.columns ?? null,
  };
}
