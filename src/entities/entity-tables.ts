/**
 * The writable columns of every entity table, with their SQL types: what the bulk upsert may set.
 * Mirrors src/migrations; columns owned by later computations (scores, links) are added by their modules.
 */
import type { ColumnType, UpsertTableSpec } from '../db/bulk-upsert.ts';

const sourced = {
  source: 'text',
  source_id: 'text',
  source_data: 'jsonb',
  custom_fields: 'jsonb',
  source_created_at: 'timestamptz',
  source_updated_at: 'timestamptz',
} as const satisfies Record<string, ColumnType>;

function entity(table: string, columns: Record<string, ColumnType>): UpsertTableSpec {
  return Object.freeze({
    table,
    conflictKey: ['source', 'source_id'],
    columns: Object.freeze({ ...sourced, ...columns }),
    hasUpdatedAt: true,
  });
}

export const ENTITY_TABLES = {
  accounts: entity('accounts', {
    // Set when the source deleted (archived) the record; null again when it is restored there.
    deleted_at: 'timestamptz',
    name: 'text',
    domain: 'text',
    additional_domains: 'text[]',
    industry: 'text',
    employee_count: 'integer',
    annual_revenue: 'numeric',
    city: 'text',
    country: 'text',
    owner_email: 'text',
    owner_name: 'text',
    parent_account_id: 'uuid',
  }),
  contacts: entity('contacts', {
    // Set when the source deleted (archived) the record; null again when it is restored there.
    deleted_at: 'timestamptz',
    first_name: 'text',
    last_name: 'text',
    email: 'text',
    phone: 'text',
    title: 'text',
    seniority: 'text',
    department: 'text',
    lifecycle_stage: 'text',
    owner_email: 'text',
    owner_name: 'text',
    account_id: 'uuid',
  }),
  deals: entity('deals', {
    // Set when the source deleted (archived) the record; null again when it is restored there.
    deleted_at: 'timestamptz',
    name: 'text',
    amount: 'numeric',
    currency: 'text',
    pipeline: 'text',
    stage: 'text',
    stage_normalized: 'text',
    probability: 'numeric',
    forecast_category: 'text',
    close_date: 'date',
    is_closed: 'boolean',
    is_won: 'boolean',
    owner_email: 'text',
    owner_name: 'text',
    account_id: 'uuid',
    next_step: 'text',
    lead_source: 'text',
    deal_type: 'text',
    stage_entered_at: 'timestamptz',
    closed_at: 'timestamptz',
  }),
  activities: entity('activities', {
    activity_type: 'text',
    subject: 'text',
    body: 'text',
    direction: 'text',
    occurred_at: 'timestamptz',
    owner_email: 'text',
    contact_id: 'uuid',
    account_id: 'uuid',
    deal_id: 'uuid',
  }),
  calls: entity('calls', {
    title: 'text',
    direction: 'text',
    disposition: 'text',
    duration_seconds: 'integer',
    occurred_at: 'timestamptz',
    from_number: 'text',
    to_number: 'text',
    recording_url: 'text',
    owner_email: 'text',
    contact_id: 'uuid',
    account_id: 'uuid',
    deal_id: 'uuid',
  }),
  conversations: entity('conversations', {
    title: 'text',
    started_at: 'timestamptz',
    duration_seconds: 'integer',
    organizer_email: 'text',
    participants: 'jsonb',
    source_url: 'text',
    crm_context: 'jsonb',
    topics: 'jsonb',
    summary: 'text',
    action_items: 'jsonb',
    is_tracked: 'boolean',
  }),
  tasks: entity('tasks', {
    title: 'text',
    body: 'text',
    status: 'text',
    priority: 'text',
    task_type: 'text',
    due_date: 'date',
    completed_at: 'timestamptz',
    is_completed: 'boolean',
    owner_email: 'text',
    board: 'text',
    group_name: 'text',
    contact_id: 'uuid',
    account_id: 'uuid',
    deal_id: 'uuid',
  }),
  documents: entity('documents', {
    name: 'text',
    mime_type: 'text',
    web_url: 'text',
    owner_email: 'text',
    owners: 'jsonb',
    folder_path: 'text',
    modified_at: 'timestamptz',
    account_id: 'uuid',
    deal_id: 'uuid',
  }),
  leads: entity('leads', {
    // Set when the source deleted (archived) the record; null again when it is restored there.
    deleted_at: 'timestamptz',
    first_name: 'text',
    last_name: 'text',
    email: 'text',
    phone: 'text',
    title: 'text',
    company: 'text',
    status: 'text',
    lead_source: 'text',
    owner_email: 'text',
    is_converted: 'boolean',
    converted_at: 'timestamptz',
    converted_contact_id: 'uuid',
    converted_account_id: 'uuid',
    converted_deal_id: 'uuid',
  }),
} as const;

export type EntityName = keyof typeof ENTITY_TABLES;
export const ENTITY_NAMES = Object.keys(ENTITY_TABLES) as EntityName[];

export const DEAL_CONTACTS_TABLE: UpsertTableSpec = Object.freeze({
  table: 'deal_contacts',
  conflictKey: ['deal_id', 'contact_id', 'source'],
  columns: Object.freeze({
    deal_id: 'uuid',
    contact_id: 'uuid',
    source: 'text',
    role: 'text',
    role_source: 'text',
    role_confidence: 'numeric',
    is_primary: 'boolean',
  }),
  hasUpdatedAt: true,
});

export const DEAL_STAGE_HISTORY_TABLE: UpsertTableSpec = Object.freeze({
  table: 'deal_stage_history',
  conflictKey: ['deal_id', 'changed_at', 'to_stage'],
  columns: Object.freeze({
    deal_id: 'uuid',
    changed_at: 'timestamptz',
    to_stage: 'text',
    from_stage: 'text',
    from_stage_normalized: 'text',
    to_stage_normalized: 'text',
    source: 'text',
    import_batch_id: 'uuid',
  }),
  hasUpdatedAt: false,
});

/** Close-date and amount changes the source reports (migration 071). */
export const DEAL_FIELD_HISTORY_TABLE: UpsertTableSpec = Object.freeze({
  table: 'deal_field_history',
  conflictKey: ['deal_id', 'field', 'changed_at'],
  columns: Object.freeze({
    deal_id: 'uuid',
    field: 'text',
    old_value: 'text',
    new_value: 'text',
    changed_at: 'timestamptz',
    source: 'text',
  }),
  hasUpdatedAt: false,
});
