/**
 * The fields a file can map onto, per entity type: the table column each writes (or a reference the
 * association inference resolves), its value kind, and the header synonyms the heuristic mapper knows.
 */
export const IMPORT_ENTITY_TYPES = ['accounts', 'contacts', 'deals', 'activities', 'leads'] as const;
export type ImportEntityType = (typeof IMPORT_ENTITY_TYPES)[number];

export type ValueKind =
  | 'text'
  | 'email'
  | 'domain'
  | 'date'
  | 'datetime'
  | 'money'
  | 'number'
  /** 0–100; a column written as fractions (0.9) is read ×100 (value-parsing.ts detectPercentScale). */
  | 'percent'
  | 'integer'
  | 'boolean'
  | 'list'
  /** An ISO 4217 code (or its symbol). */
  | 'currency'
  /** An owner's email or name (owner-directory.ts resolves names to known owners). */
  | 'owner';

export interface ImportField {
  /** A writable column of the entity table, or one of the reference fields below. */
  name: string;
  kind: ValueKind;
  synonyms: readonly string[];
}

/** Fields that are not columns: kept in source_data.refs for the association inference. */
export const REFERENCE_FIELDS = new Set([
  'external_id',
  'full_name',
  'account_name',
  'account_domain',
  'associated_deals',
  'contact_email',
  'deal_name',
  'parent_account_name',
]);

const f = (name: string, kind: ValueKind, ...synonyms: string[]): ImportField => ({ name, kind, synonyms });

const common = [
  f('external_id', 'text', 'id', 'record id', 'external id', 'source id', 'crm id'),
  f('source_created_at', 'datetime', 'created', 'created at', 'create date', 'created date', 'date created'),
  f(
    'source_updated_at',
    'datetime',
    'updated',
    'updated at',
    'last modified',
    'modified date',
    'last modified date',
  ),
];
const owner = f(
  'owner_email',
  'owner',
  'owner',
  'owner email',
  'deal owner',
  'account owner',
  'contact owner',
  'rep',
  'sales rep',
  'assigned to',
  'owner name',
  'sales agent',
  'agent',
  'salesperson',
  'account manager',
  'account executive',
);
const person = [
  f('first_name', 'text', 'first name', 'firstname', 'given name', 'first'),
  f('last_name', 'text', 'last name', 'lastname', 'surname', 'family name', 'last'),
  f('full_name', 'text', 'name', 'full name', 'contact name', 'lead name', 'contact', 'person'),
  f('email', 'email', 'email', 'email address', 'e mail', 'work email', 'mail'),
  f('phone', 'text', 'phone', 'phone number', 'mobile', 'telephone', 'direct phone'),
  f('title', 'text', 'title', 'job title', 'position', 'role'),
];

export const IMPORT_FIELDS: Readonly<Record<ImportEntityType, readonly ImportField[]>> = {
  accounts: [
    ...common,
    f(
      'name',
      'text',
      'name',
      'account name',
      'company',
      'company name',
      'organization',
      'organisation',
      'account',
    ),
    f('domain', 'domain', 'domain', 'website', 'company domain', 'url', 'web site', 'company website'),
    f('industry', 'text', 'industry', 'vertical', 'sector'),
    f(
      'employee_count',
      'integer',
      'employees',
      'employee count',
      'number of employees',
      'headcount',
      'company size',
    ),
    f('annual_revenue', 'money', 'annual revenue', 'revenue', 'arr', 'annual recurring revenue'),
    f('city', 'text', 'city', 'town'),
    f('country', 'text', 'country', 'country region'),
    f(
      'parent_account_name',
      'text',
      'parent',
      'parent account',
      'parent account name',
      'parent company',
      'parent organization',
      'parent organisation',
      'subsidiary of',
      'ultimate parent',
    ),
    owner,
  ],
  contacts: [
    ...common,
    ...person,
    f('department', 'text', 'department', 'team', 'function'),
    f('seniority', 'text', 'seniority', 'level'),
    f('lifecycle_stage', 'text', 'lifecycle stage', 'lifecycle', 'status', 'stage'),
    f(
      'account_name',
      'text',
      'company',
      'company name',
      'account',
      'account name',
      'organization',
      'organisation',
    ),
    f('account_domain', 'domain', 'company domain', 'website', 'domain', 'account domain'),
    f(
      'associated_deals',
      'list',
      'associated deals',
      'associated deal',
      'deals',
      'deal',
      'deal names',
      'opportunities',
      'opportunity',
    ),
    owner,
  ],
  deals: [
    ...common,
    f('name', 'text', 'deal name', 'name', 'opportunity', 'opportunity name', 'deal', 'title'),
    f('amount', 'money', 'amount', 'deal amount', 'value', 'deal value', 'acv', 'arr', 'total', 'price'),
    f('currency', 'currency', 'currency', 'currency code'),
    f('pipeline', 'text', 'pipeline', 'sales pipeline'),
    f('stage', 'text', 'stage', 'deal stage', 'opportunity stage', 'status', 'sales stage', 'phase'),
    f('probability', 'percent', 'probability', 'win probability', 'likelihood', 'probability %'),
    f('forecast_category', 'text', 'forecast category', 'forecast'),
    f(
      'close_date',
      'date',
      'close date',
      'closing date',
      'expected close date',
      'close',
      'closed date',
      'close dt',
    ),
    f('next_step', 'text', 'next step', 'next steps'),
    f('lead_source', 'text', 'lead source', 'source', 'original source'),
    f('deal_type', 'text', 'type', 'deal type', 'opportunity type'),
    f(
      'account_name',
      'text',
      'company',
      'company name',
      'account',
      'account name',
      'organization',
      'customer',
      'client',
    ),
    f('account_domain', 'domain', 'company domain', 'website', 'domain', 'account domain'),
    owner,
  ],
  activities: [
    ...common,
    f('activity_type', 'text', 'type', 'activity type', 'kind'),
    f('subject', 'text', 'subject', 'title', 'summary'),
    f('body', 'text', 'body', 'notes', 'note', 'description', 'details', 'content'),
    f('direction', 'text', 'direction'),
    f('occurred_at', 'datetime', 'date', 'activity date', 'occurred at', 'timestamp', 'when', 'time'),
    f('contact_email', 'email', 'contact email', 'email', 'contact', 'attendee'),
    f('account_name', 'text', 'company', 'account', 'account name'),
    f('deal_name', 'text', 'deal', 'deal name', 'opportunity'),
    owner,
  ],
  leads: [
    ...common,
    ...person,
    f('company', 'text', 'company', 'company name', 'organization', 'organisation', 'account'),
    f('status', 'text', 'status', 'lead status'),
    f('lead_source', 'text', 'lead source', 'source'),
    f('is_converted', 'boolean', 'converted', 'is converted'),
    owner,
  ],
};

export function fieldOf(entity: ImportEntityType, name: string): ImportField | undefined {
  return IMPORT_FIELDS[entity].find((x) => x.name === name);
}

/** A row is written only when one of these (groups) has a value. */
export const REQUIRED_ANY: Readonly<Record<ImportEntityType, readonly string[]>> = {
  accounts: ['name', 'domain'],
  contacts: ['email', 'first_name', 'last_name', 'full_name'],
  deals: ['name'],
  activities: ['occurred_at'],
  leads: ['email', 'last_name', 'full_name', 'company'],
};
