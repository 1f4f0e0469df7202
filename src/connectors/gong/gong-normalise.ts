/** Gong call → conversations row: parties as participants, CRM context objects, topics and trackers, brief. */
import type { NormalisedRecord, Transcript } from '../adapter.ts';
import type { GongCall, GongCallTranscript } from './gong-api.ts';

const AFFILIATION: Record<string, 'internal' | 'external' | 'unknown'> = {
  internal: 'internal',
  external: 'external',
};

export function normaliseGongCall(
  call: GongCall,
  primaryEmail: string | null,
  trackedUserId: string,
): NormalisedRecord {
  const m = call.metaData;
  const participants = (call.parties ?? []).map((p) => ({
    name: p.name ?? null,
    email: p.emailAddress ? p.emailAddress.toLowerCase() : null,
    affiliation: AFFILIATION[(p.affiliation ?? '').toLowerCase()] ?? 'unknown',
    speaker_id: p.speakerId ?? null,
    user_id: p.userId ?? null,
    title: p.title ?? null,
  }));
  const objects = (call.context ?? []).flatMap((c) =>
    (c.objects ?? [])
      .filter((o) => o.objectId)
      .map((o) => ({
        system: (c.system ?? 'unknown').toLowerCase(),
        object_type: (o.objectType ?? 'unknown').toLowerCase(),
        object_id: o.objectId!,
      })),
  );
  const content = call.content ?? {};
  const topics = [
    ...(content.topics ?? []).map((t) => ({
      name: t.name,
      type: 'topic',
      duration_seconds: t.duration ?? null,
    })),
    ...(content.trackers ?? []).map((t) => ({ name: t.name, type: 'tracker', count: t.count ?? null })),
  ];
  const organizer =
    primaryEmail ?? participants.find((p) => p.user_id && p.user_id === m.primaryUserId)?.email ?? null;
  return {
    row: {
      source: 'gong',
      source_id: m.id,
      source_data: call,
      custom_fields: {
        source_user_id: m.primaryUserId ?? trackedUserId,
        key_points: (content.keyPoints ?? []).map((k) => k.text),
      },
      title: m.title ?? null,
      started_at: m.started ?? null,
      duration_seconds: m.duration == null ? null : Math.max(0, Math.round(m.duration)),
      organizer_email: organizer ? organizer.toLowerCase() : null,
      participants,
      source_url: m.url ?? null,
      crm_context: { objects },
      topics,
      summary: content.brief ?? null,
      action_items: (content.pointsOfInterest?.actionItems ?? []).map((a) => a.snippet),
      is_tracked: true,
      source_created_at: m.started ?? null,
    },
  };
}

/** Gong times are milliseconds from the start of the call. */
export function normaliseGongTranscript(t: GongCallTranscript): Transcript {
  return {
    segments: t.transcript.flatMap((mono) =>
      mono.sentences.map((s) => ({
        speaker_id: mono.speakerId ?? null,
        speaker_name: null,
        start: s.start == null ? null : s.start / 1000,
        end: s.end == null ? null : s.end / 1000,
        text: s.text,
        topic: mono.topic ?? null,
      })),
    ),
  };
}
