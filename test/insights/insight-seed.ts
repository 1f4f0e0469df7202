/** A workspace with one account, two deals and external calls whose transcripts are already cached. */
import type { Transcript } from '../../src/connectors/adapter.ts';
import type { Db } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';

export const SELLER = {
  name: 'Sam Seller',
  email: 'sam@seller.io',
  affiliation: 'internal',
  speaker_id: 's',
};
export const BUYER = { name: 'Bea Buyer', email: 'bea@buyer.com', affiliation: 'external', speaker_id: 'b' };

export function transcriptOf(lines: Array<['s' | 'b', string]>): Transcript {
  return {
    segments: lines.map(([who, text], i) => ({
      speaker_id: who,
      speaker_name: who === 's' ? SELLER.name : BUYER.name,
      start: i * 10,
      end: i * 10 + 9,
      text,
    })),
  };
}

export async function seedInsightWorld(db: Db) {
  const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'insights' }))).id;
  return withWorkspace(db, ws, async (tx) => {
    const acc = await tx.query<{ id: string }>(
      `INSERT INTO accounts (workspace_id, source, source_id, name, domain) VALUES ($1, 'test', 'a1', 'Buyer Co', 'buyer.com') RETURNING id`,
      [ws],
    );
    const deal = async (sid: string, name: string, closeDate: string) =>
      (
        await tx.query<{ id: string }>(
          `INSERT INTO deals (workspace_id, source, source_id, name, account_id, stage_normalized, close_date, amount, owner_email)
           VALUES ($1, 'test', $2, $3, $4, 'evaluation', $5::date, 50000, 'sam@seller.io') RETURNING id`,
          [ws, sid, name, acc.rows[0]!.id, closeDate],
        )
      ).rows[0]!.id;
    return {
      workspaceId: ws,
      accountId: acc.rows[0]!.id,
      dealId: await deal('d1', 'Buyer Co platform', '2025-06-30'),
      otherDealId: await deal('d2', 'Buyer Co support renewal', '2025-09-30'),
    };
  });
}

export async function addCall(
  db: Db,
  ws: string,
  opts: {
    sourceId: string;
    dealId: string | null;
    startedAt: string;
    transcript: Transcript | null;
    internal?: boolean;
  },
): Promise<string> {
  return withWorkspace(db, ws, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, participants, deal_id, is_internal,
         transcript_status, transcript, transcript_fetched_at, link_method)
       VALUES ($1, 'gong', $2, 'Call', $3::timestamptz, $4::jsonb, $5::uuid, $6, $7, $8::jsonb, CASE WHEN $8::jsonb IS NULL THEN NULL ELSE $3::timestamptz END,
         CASE WHEN $5::uuid IS NULL THEN NULL ELSE 'manual' END)
       RETURNING id`,
      [
        ws,
        opts.sourceId,
        opts.startedAt,
        JSON.stringify([SELLER, BUYER]),
        opts.dealId,
        opts.internal ?? false,
        opts.transcript ? 'fetched' : 'not_fetched',
        opts.transcript ? JSON.stringify(opts.transcript) : null,
      ],
    );
    return rows[0]!.id;
  });
}

export async function setTranscript(db: Db, ws: string, id: string, t: Transcript) {
  await withWorkspace(db, ws, (tx) =>
    tx.query(
      `UPDATE conversations SET transcript = $3::jsonb, transcript_fetched_at = now() WHERE workspace_id = $1 AND id = $2`,
      [ws, id, JSON.stringify(t)],
    ),
  );
}
