/** A stored transcript as extractor lines: who spoke each segment and on which side (seller or buyer), and its hash. */
import { createHash } from 'node:crypto';
import type { Transcript } from '../connectors/adapter.ts';
import type { SpeakerRole, TranscriptLine } from './insight-types.ts';

export interface Participant {
  name?: string | null;
  email?: string | null;
  affiliation?: string | null;
  speaker_id?: string | null;
}

function roleOf(p: Participant | undefined, internalDomains: ReadonlySet<string>): SpeakerRole {
  if (!p) return 'unknown';
  if (p.affiliation === 'internal') return 'seller';
  if (p.affiliation === 'external') return 'buyer';
  const domain = p.email?.split('@')[1]?.toLowerCase();
  if (!domain) return 'unknown';
  return internalDomains.has(domain) ? 'seller' : 'buyer';
}

export function transcriptLines(
  transcript: Transcript,
  participants: readonly Participant[],
  internalDomains: ReadonlySet<string>,
): TranscriptLine[] {
  const bySpeaker = new Map<string, Participant>();
  const byName = new Map<string, Participant>();
  for (const p of participants) {
    if (p.speaker_id) bySpeaker.set(p.speaker_id, p);
    if (p.name) byName.set(p.name.toLowerCase(), p);
  }
  return transcript.segments.map((s, index) => {
    const p =
      (s.speaker_id ? bySpeaker.get(s.speaker_id) : undefined) ??
      (s.speaker_name ? byName.get(s.speaker_name.toLowerCase()) : undefined);
    return {
      index,
      speaker: s.speaker_name ?? p?.name ?? null,
      role: roleOf(p, internalDomains),
      start: s.start,
      text: s.text,
    };
  });
}

/** What the cache is keyed on: the words and who said them, in order (not fetch times or topics). */
export function transcriptHash(transcript: Transcript): string {
  const h = createHash('sha256');
  for (const s of transcript.segments)
    h.update(`${s.speaker_id ?? ''}\u0001${s.speaker_name ?? ''}\u0001${s.text}\u0002`);
  return h.digest('hex');
}
