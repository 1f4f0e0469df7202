/**
 * On-demand transcripts: fetched from the recorder the first time someone (the API, the deal-insights
 * job) asks, then served from conversations.transcript. transcript_status records the outcome:
 * fetched, unavailable (the source no longer has it: 410 from then on unless refreshed), or error.
 */
import type { ConnectorContext, Transcript } from '../connectors/adapter.ts';
import { getAdapter, hasAdapter } from '../connectors/registry.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { GoneError, NotFoundError } from '../errors.ts';

export interface TranscriptDeps {
  db: Db;
  /** The adapter context of the workspace's connection to `connectorName` (NotFoundError without one). */
  contextFor(workspaceId: string, connectorName: string): Promise<ConnectorContext>;
}

export interface TranscriptResult {
  conversation_id: string;
  source: string;
  transcript_status: 'fetched';
  fetched_at: string;
  /** Whether this answer came from the cache rather than the source. */
  cached: boolean;
  transcript: Transcript;
}

interface ConversationRow {
  id: string;
  source: string;
  source_id: string;
  participants: Array<{ name?: string | null; speaker_id?: string | null }>;
  transcript_status: string;
  transcript: Transcript | null;
  transcript_fetched_at: string | Date | null;
}

const iso = (v: string | Date | null) =>
  v instanceof Date ? v.toISOString() : (v ?? new Date().toISOString());

async function setStatus(db: Db, workspaceId: string, id: string, status: 'unavailable' | 'error') {
  await withWorkspace(db, workspaceId, (tx) =>
    tx.query(
      /* sql */ `UPDATE conversations SET transcript_status = $3::text, updated_at = now()
                 WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [workspaceId, id, status],
    ),
  );
}

/** Speaker names the transcript lacks (Gong gives speaker ids) come from the stored participants. */
function withSpeakerNames(t: Transcript, participants: ConversationRow['participants']): Transcript {
  const names = new Map(
    participants.filter((p) => p.speaker_id && p.name).map((p) => [p.speaker_id!, p.name!]),
  );
  return {
    segments: t.segments.map((s) => ({
      ...s,
      speaker_name: s.speaker_name ?? (s.speaker_id ? (names.get(s.speaker_id) ?? null) : null),
    })),
  };
}

export async function getTranscript(
  deps: TranscriptDeps,
  workspaceId: string,
  conversationId: string,
  options: { refresh?: boolean } = {},
): Promise<TranscriptResult> {
  const row = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<ConversationRow>(
      /* sql */ `SELECT id, source, source_id, participants, transcript_status, transcript, transcript_fetched_at
                 FROM conversations WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [workspaceId, conversationId],
    );
    return rows[0];
  });
  if (!row) throw new NotFoundError(`conversation ${conversationId}`);
  const gone = () =>
    new GoneError(
      `${row.source} no longer has the transcript of this conversation (deleted or past retention)`,
    );
  if (!options.refresh && row.transcript_status === 'fetched' && row.transcript) {
    return {
      conversation_id: row.id,
      source: row.source,
      transcript_status: 'fetched',
      fetched_at: iso(row.transcript_fetched_at),
      cached: true,
      transcript: row.transcript,
    };
  }
  if (!options.refresh && row.transcript_status === 'unavailable') throw gone();
  const adapter = hasAdapter(row.source) ? getAdapter(row.source) : undefined;
  if (!adapter?.fetchTranscript)
    throw new NotFoundError(`a transcript source for ${row.source} conversations`);
  const ctx = await deps.contextFor(workspaceId, row.source);

  let fetched: Transcript | null;
  try {
    fetched = await adapter.fetchTranscript(ctx, row.source_id);
  } catch (err) {
    await setStatus(deps.db, workspaceId, row.id, 'error');
    throw err;
  }
  if (!fetched) {
    await setStatus(deps.db, workspaceId, row.id, 'unavailable');
    throw gone();
  }
  const transcript = withSpeakerNames(fetched, row.participants ?? []);
  const fetchedAt = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<{ transcript_fetched_at: string | Date }>(
      /* sql */ `UPDATE conversations
                 SET transcript = $3::jsonb, transcript_status = 'fetched', transcript_fetched_at = now(),
                     updated_at = now()
                 WHERE workspace_id = $1::uuid AND id = $2::uuid
                 RETURNING transcript_fetched_at`,
      [workspaceId, row.id, JSON.stringify(transcript)],
    );
    return rows[0]?.transcript_fetched_at ?? null;
  });
  return {
    conversation_id: row.id,
    source: row.source,
    transcript_status: 'fetched',
    fetched_at: iso(fetchedAt),
    cached: false,
    transcript,
  };
}
