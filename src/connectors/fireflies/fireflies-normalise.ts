/**
 * Fireflies transcript (meeting) → conversations row. Fireflies does not say who is internal: a
 * participant is internal when their email is a Fireflies user of the workspace, otherwise unknown
 * (the internal-meeting filter decides later by domain).
 */
import type { NormalisedRecord, Transcript } from '../adapter.ts';
import type { FirefliesSentence, FirefliesTranscript } from './fireflies-api.ts';

function toIso(date: FirefliesTranscript['date']): string | null {
  if (date == null) return null;
  const d = typeof date === 'number' ? new Date(date) : new Date(date);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function actionItems(value: string | string[] | null | undefined): string[] {
  if (value == null) return [];
  const lines = Array.isArray(value) ? value : value.split('\n');
  return lines.map((l) => l.trim()).filter((l) => l.length > 0 && !/^\*\*.*\*\*$/.test(l));
}

export function normaliseFirefliesTranscript(
  t: FirefliesTranscript,
  trackedUserId: string,
  internalEmails: ReadonlySet<string>,
): NormalisedRecord {
  const byEmail = new Map<string, { name: string | null; email: string | null }>();
  const anonymous: Array<{ name: string | null; email: string | null }> = [];
  for (const a of t.meeting_attendees ?? []) {
    const email = a.email ? a.email.toLowerCase() : null;
    if (email) byEmail.set(email, { name: a.displayName ?? byEmail.get(email)?.name ?? null, email });
    else anonymous.push({ name: a.displayName ?? null, email: null });
  }
  for (const raw of t.participants ?? []) {
    // Fireflies sometimes packs several addresses into one comma-separated entry.
    for (const part of raw.split(',')) {
      const email = part.trim().toLowerCase();
      if (email && !byEmail.has(email)) byEmail.set(email, { name: null, email });
    }
  }
  const participants = [...byEmail.values(), ...anonymous].map((p) => ({
    name: p.name,
    email: p.email,
    affiliation: p.email && internalEmails.has(p.email) ? 'internal' : 'unknown',
    speaker_id: null,
    user_id: null,
  }));
  const started = toIso(t.date);
  return {
    row: {
      source: 'fireflies',
      source_id: t.id,
      source_data: t,
      custom_fields: { source_user_id: trackedUserId },
      title: t.title ?? null,
      started_at: started,
      // Fireflies reports minutes.
      duration_seconds: t.duration == null ? null : Math.max(0, Math.round(t.duration * 60)),
      organizer_email: t.organizer_email ? t.organizer_email.toLowerCase() : null,
      participants,
      source_url: t.transcript_url ?? null,
      crm_context: {},
      topics: (t.summary?.keywords ?? []).map((k) => ({ name: k, type: 'keyword' })),
      summary: t.summary?.overview ?? null,
      action_items: actionItems(t.summary?.action_items),
      is_tracked: true,
      source_created_at: started,
    },
  };
}

/** Fireflies times are seconds from the start of the meeting. */
export function normaliseFirefliesSentences(sentences: FirefliesSentence[]): Transcript {
  return {
    segments: sentences.map((s) => ({
      speaker_id: s.speaker_id == null ? null : String(s.speaker_id),
      speaker_name: s.speaker_name ?? null,
      start: s.start_time ?? null,
      end: s.end_time ?? null,
      text: s.text,
    })),
  };
}
