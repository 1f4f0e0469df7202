/** The raw payloads the recorders return: a Gong call (metaData, parties, context) and a Fireflies transcript. */
import type { Crm } from './stages.ts';
import { type TruthRecord, iso } from './world-model.ts';

export interface Person {
  name: string;
  email: string;
  internal: boolean;
  gongUserId?: string;
}

export interface MeetingSpec {
  title: string;
  startedAt: number;
  people: Person[];
  organizer: Person;
  crm: Crm | null;
  context: { dealId: string | null; accountId: string } | null;
  truth: Omit<TruthRecord, 'source' | 'source_id'>;
  /** Another deal of the account live at the call: its facts planted in the transcript are a trap. */
  otherDealName?: string | null;
}

export type Participant = { name: string; email: string | null; affiliation: string; speaker_id: string };

export function gongCall(
  id: string,
  url: string,
  spec: MeetingSpec,
  parts: Participant[],
  duration: number,
  startedAt: number,
  noEmails: boolean,
) {
  const context =
    spec.context && spec.crm
      ? [
          {
            system: spec.crm === 'salesforce' ? 'Salesforce' : 'HubSpot',
            objects: [
              ...(spec.context.dealId
                ? [
                    {
                      objectType: spec.crm === 'salesforce' ? 'Opportunity' : 'Deal',
                      objectId: spec.context.dealId,
                    },
                  ]
                : []),
              {
                objectType: spec.crm === 'salesforce' ? 'Account' : 'Company',
                objectId: spec.context.accountId,
              },
            ],
          },
        ]
      : [];
  const scope = noEmails ? 'Unknown' : spec.people.every((p) => p.internal) ? 'Internal' : 'External';
  return {
    metaData: {
      id,
      url,
      title: spec.title,
      scheduled: iso(startedAt),
      started: iso(startedAt),
      duration,
      primaryUserId: spec.organizer.gongUserId ?? null,
      direction: 'Conference',
      system: 'Zoom',
      scope,
      media: 'Video',
      language: 'eng',
      isPrivate: false,
    },
    parties: parts.map((p, i) => ({
      id: `${id.slice(-8)}${i}`,
      name: p.name,
      emailAddress: p.email,
      speakerId: p.speaker_id,
      affiliation:
        p.affiliation === 'internal' ? 'Internal' : p.affiliation === 'external' ? 'External' : 'Unknown',
      userId: spec.people[i]!.gongUserId ?? null,
      methods: ['Invitee'],
    })),
    context,
  };
}

export function firefliesTranscript(
  id: string,
  url: string,
  spec: MeetingSpec,
  parts: Participant[],
  duration: number,
  startedAt: number,
  organizer: string | null,
) {
  return {
    id,
    title: spec.title,
    date: startedAt,
    dateString: iso(startedAt),
    duration: Math.round((duration / 60) * 100) / 100,
    organizer_email: organizer,
    host_email: organizer,
    participants: parts.map((p) => p.email).filter((e) => e !== null),
    meeting_attendees: parts.map((p) => ({ displayName: p.name, email: p.email, name: p.name })),
    transcript_url: url,
    meeting_link: `https://zoom.us/j/${(startedAt / 60_000) % 10_000_000_000}`,
  };
}
