/**
 * CRM-logged engagement around a deal: activities (emails, meetings, notes), telephony calls, tasks,
 * and the Drive documents a deal produces (proposals, order forms).
 */
import {
  type ChunkPlan,
  DAY_MS,
  type DealModel,
  type Draft,
  type WorldContext,
  between,
  dateOnly,
  iso,
  nextNumber,
  ref,
} from './world-model.ts';

const EMAIL_SUBJECTS = [
  'Following up',
  'Proposal attached',
  'Next steps',
  'Pricing question',
  'Intro',
  'Recap',
];
const MEETING_SUBJECTS = ['Discovery', 'Product demo', 'Technical review', 'Pricing discussion', 'Kick-off'];
const NOTE_TEXTS = [
  'Champion confirmed budget owner is the CFO.',
  'Competitor in the deal; they liked our reporting.',
  'Security questionnaire sent to their IT team.',
  'Asked for a reference customer in their industry.',
  'Legal review expected to take two weeks.',
];
const TASK_TITLES = [
  'Send follow-up email',
  'Prepare proposal',
  'Book demo',
  'Update mutual action plan',
  'Chase legal',
];

function engagementId(ctx: WorldContext, crm: string, salesforceKind: 'task' | 'event'): string {
  return crm === 'hubspot'
    ? ctx.ids.hubspot('engagement', nextNumber(ctx, 'hubspot:engagement'))
    : ctx.ids.salesforce(salesforceKind, nextNumber(ctx, `salesforce:${salesforceKind}`));
}

function links(deal: DealModel, contactSourceId: string | null) {
  const crm = deal.account.crm;
  const refs = [
    ref('account_id', 'accounts', crm, deal.account.sourceId),
    ref('deal_id', 'deals', crm, deal.sourceId),
  ];
  if (contactSourceId) refs.push(ref('contact_id', 'contacts', crm, contactSourceId));
  return refs;
}

export function generateEngagement(ctx: WorldContext, plan: ChunkPlan, deal: DealModel): void {
  const { rng } = ctx;
  const crm = deal.account.crm;
  const activityCount = rng.int(0, deal.depth + 1);
  for (let i = 0; i < activityCount; i++) plan.activities.push(activity(ctx, deal));

  const callCount = rng.chance(0.5) ? (rng.chance(0.2) ? 2 : 1) : 0;
  for (let i = 0; i < callCount; i++) {
    const contact = rng.pick(deal.contacts);
    const at = between(ctx, deal.createdAt, deal.endAt);
    const id = engagementId(ctx, crm, 'task');
    const connected = rng.chance(0.6);
    const duration = connected ? rng.int(120, 2400) : rng.int(0, 40);
    const disposition = connected ? 'connected' : rng.pick(['no_answer', 'left_voicemail', 'busy']);
    const to = contact.phone ?? `${deal.account.place.phonePrefix} 555 0100`;
    const title = `Call with ${contact.first} ${contact.last}`;
    plan.calls.push({
      row: {
        source: crm,
        source_id: id,
        source_data:
          crm === 'hubspot'
            ? {
                id,
                properties: {
                  hs_timestamp: iso(at),
                  hs_call_title: title,
                  hs_call_duration: String(duration * 1000),
                  hs_call_disposition: disposition,
                  hs_call_to_number: to,
                  hubspot_owner_id: deal.owner.hubspotOwnerId,
                },
              }
            : {
                attributes: { type: 'Task' },
                Id: id,
                Subject: title,
                TaskSubtype: 'Call',
                CallDurationInSeconds: duration,
                CallDisposition: disposition,
                WhoId: contact.sourceId,
                WhatId: deal.sourceId,
                OwnerId: deal.owner.salesforceUserId,
                ActivityDate: dateOnly(at),
              },
        custom_fields: {},
        source_created_at: iso(at),
        source_updated_at: iso(at),
        title,
        direction: 'outbound',
        disposition,
        duration_seconds: duration,
        occurred_at: iso(at),
        from_number: '+1 415 555 0199',
        to_number: to,
        recording_url:
          connected && crm === 'hubspot' ? `https://api.hubspot.com/calls/${id}/recording` : null,
        owner_email: deal.owner.email,
      },
      refs: links(deal, contact.sourceId),
    });
  }

  const taskCount = rng.int(0, 2);
  for (let i = 0; i < taskCount; i++) {
    const contact = rng.chance(0.7) ? rng.pick(deal.contacts) : null;
    const due = between(ctx, deal.createdAt, deal.endAt + 14 * DAY_MS);
    const done = due < ctx.asOf && rng.chance(0.8);
    const title = rng.pick(TASK_TITLES);
    const id = engagementId(ctx, crm, 'task');
    const status = done ? 'completed' : 'not_started';
    const priority = rng.pick(['low', 'medium', 'high']);
    plan.tasks.push({
      row: {
        source: crm,
        source_id: id,
        source_data:
          crm === 'hubspot'
            ? {
                id,
                properties: {
                  hs_task_subject: title,
                  hs_task_status: done ? 'COMPLETED' : 'NOT_STARTED',
                  hs_task_priority: priority.toUpperCase(),
                  hs_timestamp: iso(due),
                  hubspot_owner_id: deal.owner.hubspotOwnerId,
                },
              }
            : {
                attributes: { type: 'Task' },
                Id: id,
                Subject: title,
                Status: done ? 'Completed' : 'Not Started',
                Priority: priority === 'high' ? 'High' : 'Normal',
                ActivityDate: dateOnly(due),
                WhatId: deal.sourceId,
                WhoId: contact?.sourceId ?? null,
              },
        custom_fields: {},
        source_created_at: iso(Math.max(deal.createdAt, due - 7 * DAY_MS)),
        source_updated_at: iso(done ? due : Math.max(deal.createdAt, due - 7 * DAY_MS)),
        title,
        status,
        priority,
        task_type: 'todo',
        due_date: dateOnly(due),
        completed_at: done ? iso(due) : null,
        is_completed: done,
        owner_email: deal.owner.email,
        board: crm === 'hubspot' ? 'Sales tasks' : null,
      },
      refs: links(deal, contact?.sourceId ?? null),
    });
  }

  if (deal.depth >= 3 && rng.chance(0.5)) plan.documents.push(dealDocument(ctx, deal));
}

function activity(ctx: WorldContext, deal: DealModel): Draft {
  const { rng } = ctx;
  const crm = deal.account.crm;
  const kind = rng.weighted(['email', 'meeting', 'note'] as const, [50, 25, 25]);
  const contact = rng.pick(deal.contacts);
  const at = between(ctx, deal.createdAt, deal.endAt);
  const id = engagementId(ctx, crm, kind === 'meeting' ? 'event' : 'task');
  const direction = kind === 'email' ? (rng.chance(0.6) ? 'outbound' : 'inbound') : null;
  const subject =
    kind === 'email'
      ? rng.pick(EMAIL_SUBJECTS)
      : kind === 'meeting'
        ? `${rng.pick(MEETING_SUBJECTS)} - ${deal.account.name}`
        : 'Note';
  const body =
    kind === 'note'
      ? rng.pick(NOTE_TEXTS)
      : kind === 'email'
        ? `Hi ${contact.first}, ${subject.toLowerCase()}.`
        : null;
  const sourceData =
    crm === 'hubspot'
      ? {
          id,
          type: kind.toUpperCase(),
          properties: {
            hs_timestamp: iso(at),
            hs_body_preview: body,
            subject,
            hs_email_direction: direction === 'inbound' ? 'INCOMING_EMAIL' : direction ? 'EMAIL' : null,
            hubspot_owner_id: deal.owner.hubspotOwnerId,
          },
        }
      : {
          attributes: { type: kind === 'meeting' ? 'Event' : 'Task' },
          Id: id,
          Subject: subject,
          Description: body,
          TaskSubtype: kind === 'email' ? 'Email' : null,
          WhoId: contact.sourceId,
          WhatId: deal.sourceId,
          OwnerId: deal.owner.salesforceUserId,
          ActivityDateTime: iso(at),
        };
  return {
    row: {
      source: crm,
      source_id: id,
      source_data: sourceData,
      custom_fields: {},
      source_created_at: iso(at),
      source_updated_at: iso(at),
      activity_type: kind,
      subject,
      body,
      direction,
      occurred_at: iso(at),
      owner_email: deal.owner.email,
    },
    refs: links(deal, contact.sourceId),
  };
}

function dealDocument(ctx: WorldContext, deal: DealModel): Draft {
  const { rng, ids } = ctx;
  const id = ids.drive(nextNumber(ctx, 'gdrive:file'));
  const kind = rng.pick([
    { name: 'Proposal', mime: 'application/pdf', ext: '.pdf' },
    { name: 'Mutual Action Plan', mime: 'application/vnd.google-apps.document', ext: '' },
    { name: 'Order Form', mime: 'application/pdf', ext: '.pdf' },
    { name: 'Pricing', mime: 'application/vnd.google-apps.spreadsheet', ext: '' },
  ]);
  const name = `${deal.account.name} - ${kind.name}${kind.ext}`;
  const modified = between(ctx, deal.createdAt, deal.endAt);
  const owners = [{ displayName: deal.owner.name, emailAddress: deal.owner.email }];
  const folder = `/Sales/Customers/${deal.account.name}`;
  const crm = deal.account.crm;
  return {
    row: {
      source: 'gdrive',
      source_id: id,
      source_data: {
        id,
        name,
        mimeType: kind.mime,
        webViewLink: `https://drive.google.com/file/d/${id}/view`,
        owners,
        modifiedTime: iso(modified),
        createdTime: iso(deal.createdAt),
      },
      custom_fields: {},
      source_created_at: iso(deal.createdAt),
      source_updated_at: iso(modified),
      name,
      mime_type: kind.mime,
      web_url: `https://drive.google.com/file/d/${id}/view`,
      owner_email: deal.owner.email,
      owners,
      folder_path: folder,
      modified_at: iso(modified),
    },
    refs: [
      ref('account_id', 'accounts', crm, deal.account.sourceId),
      ref('deal_id', 'deals', crm, deal.sourceId),
    ],
  };
}
