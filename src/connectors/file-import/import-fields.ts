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
  /** A deal's outcome as CRMs without closed stages keep it (Pipedrive's status): open, won or lost. */
  | 'outcome'
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
  'outcome',
]);

/**
 * Headers as CRMs export them in German, French and Spanish (HubSpot and Pipedrive export in the user's
 * language), written as normaliseHeader leaves them: lower case, accents kept, apostrophes dropped.
 */
const LOCALISED: Readonly<Record<string, readonly string[]>> = {
  external_id: ['datensatz id', 'id du enregistrement', 'id de registro'],
  source_created_at: [
    'erstellt',
    'erstellt am',
    'erstellungsdatum',
    'date de création',
    'créé le',
    'fecha de creación',
    'creado',
  ],
  owner: [
    'besitzer',
    'inhaber',
    'deal inhaber',
    'verantwortlicher',
    'propriétaire',
    'propriétaire de la transaction',
    'responsable',
    'propietario',
    'propietario del negocio',
  ],
  first_name: ['vorname', 'prénom'],
  last_name: ['nachname', 'nom de famille', 'apellido', 'apellidos'],
  email: ['e mail adresse', 'courriel', 'adresse e mail', 'correo', 'correo electrónico'],
  phone: ['telefon', 'telefonnummer', 'téléphone', 'teléfono'],
  title: ['berufsbezeichnung', 'jobtitel', 'poste', 'intitulé du poste', 'cargo', 'puesto'],
  company: [
    'organisation',
    'firma',
    'firmenname',
    'unternehmen',
    'unternehmensname',
    'entreprise',
    'société',
    'nom de lentreprise',
    'empresa',
    'nombre de la empresa',
    'organización',
    'compañía',
  ],
  domain: ['webseite', 'domain', 'site web', 'domaine', 'sitio web', 'dominio'],
  industry: ['branche', 'secteur dactivité', 'industria'],
  employee_count: [
    'mitarbeiter',
    'anzahl mitarbeiter',
    'mitarbeiterzahl',
    'effectif',
    'nombre demployés',
    'empleados',
    'número de empleados',
  ],
  city: ['stadt', 'ort', 'ville', 'ciudad'],
  country: ['land', 'pays', 'país'],
  deal_name: [
    'titel',
    'dealname',
    'name des deals',
    'verkaufschance',
    'nom de la transaction',
    'nom de lopportunité',
    'titre',
    'nombre del negocio',
    'nombre de la oportunidad',
    'título',
  ],
  amount: ['wert', 'betrag', 'dealwert', 'montant', 'valeur', 'importe', 'valor', 'monto'],
  currency: ['währung', 'devise', 'moneda', 'divisa'],
  stage: [
    'dealphase',
    'deal phase',
    'verkaufsphase',
    'stufe',
    'étape',
    'étape de la transaction',
    'etapa',
    'etapa del negocio',
    'fase',
  ],
  probability: ['wahrscheinlichkeit', 'probabilité', 'probabilidad'],
  close_date: [
    'abschlussdatum',
    'erwartetes abschlussdatum',
    'date de clôture',
    'date de clôture prévue',
    'fecha de cierre',
    'fecha de cierre prevista',
  ],
  subject: ['betreff', 'objet', 'asunto'],
  occurred_at: ['datum', 'fecha'],
};

const f = (name: string, kind: ValueKind, ...synonyms: string[]): ImportField => ({ name, kind, synonyms });
/** A field with its localised headers (LOCALISED's key, when it differs from the field's name). */
const l = (name: string, kind: ValueKind, key: string, ...synonyms: string[]): ImportField =>
  f(name, kind, ...synonyms, ...(LOCALISED[key] ?? []));

const common = [
  l('external_id', 'text', 'external_id', 'id', 'record id', 'external id', 'source id', 'crm id'),
  l(
    'source_created_at',
    'datetime',
    'source_created_at',
    'created',
    'created at',
    'create date',
    'created date',
    'date created',
  ),
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
const owner = l(
  'owner_email',
  'owner',
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
  l('first_name', 'text', 'first_name', 'first name', 'firstname', 'given name', 'first'),
  l('last_name', 'text', 'last_name', 'last name', 'lastname', 'surname', 'family name', 'last'),
  f('full_name', 'text', 'name', 'full name', 'contact name', 'lead name', 'contact', 'person'),
  l('email', 'email', 'email', 'email', 'email address', 'e mail', 'work email', 'mail'),
  l('phone', 'text', 'phone', 'phone', 'phone number', 'mobile', 'telephone', 'direct phone'),
  l('title', 'text', 'title', 'title', 'job title', 'position', 'role'),
];

export const IMPORT_FIELDS: Readonly<Record<ImportEntityType, readonly ImportField[]>> = {
  accounts: [
    ...common,
    l(
      'name',
      'text',
      'company',
      'name',
      'account name',
      'company',
      'company name',
      'organization',
      'organisation',
      'account',
    ),
    l(
      'domain',
      'domain',
      'domain',
      'domain',
      'website',
      'company domain',
      'url',
      'web site',
      'company website',
    ),
    l('industry', 'text', 'industry', 'industry', 'vertical', 'sector'),
    l(
      'employee_count',
      'integer',
      'employee_count',
      'employees',
      'employee count',
      'number of employees',
      'headcount',
      'company size',
    ),
    f('annual_revenue', 'money', 'annual revenue', 'revenue', 'arr', 'annual recurring revenue'),
    l('city', 'text', 'city', 'city', 'town'),
    l('country', 'text', 'country', 'country', 'country region'),
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
    l(
      'account_name',
      'text',
      'company',
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
    l('name', 'text', 'deal_name', 'deal name', 'name', 'opportunity', 'opportunity name', 'deal', 'title'),
    l(
      'amount',
      'money',
      'amount',
      'amount',
      'deal amount',
      'value',
      'deal value',
      'acv',
      'arr',
      'total',
      'price',
    ),
    l('currency', 'currency', 'currency', 'currency', 'currency code'),
    f('pipeline', 'text', 'pipeline', 'sales pipeline'),
    l('stage', 'text', 'stage', 'stage', 'deal stage', 'opportunity stage', 'status', 'sales stage', 'phase'),
    // Closed and won as their own columns: a Pipedrive status (open/won/lost) beside the stage the deal was
    // in, Salesforce's Closed and Won flags.
    f('outcome', 'outcome', 'deal status', 'status', 'outcome', 'won lost', 'result'),
    f('is_closed', 'boolean', 'closed', 'is closed', 'is deal closed'),
    // HubSpot's "Is Closed Won" is false for open and lost deals alike: it says won, never closed.
    f('is_won', 'boolean', 'won', 'is won', 'closed won', 'is closed won'),
    l(
      'probability',
      'percent',
      'probability',
      'probability',
      'win probability',
      'likelihood',
      'probability %',
    ),
    f('forecast_category', 'text', 'forecast category', 'forecast'),
    l(
      'close_date',
      'date',
      'close_date',
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
    l(
      'account_name',
      'text',
      'company',
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
    l('subject', 'text', 'subject', 'subject', 'title', 'summary'),
    f('body', 'text', 'body', 'notes', 'note', 'description', 'details', 'content'),
    f('direction', 'text', 'direction'),
    l(
      'occurred_at',
      'datetime',
      'occurred_at',
      'date',
      'activity date',
      'occurred at',
      'timestamp',
      'when',
      'time',
    ),
    f('contact_email', 'email', 'contact email', 'email', 'contact', 'attendee'),
    f('account_name', 'text', 'company', 'account', 'account name'),
    f('deal_name', 'text', 'deal', 'deal name', 'opportunity'),
    owner,
  ],
  leads: [
    ...common,
    ...person,
    l('company', 'text', 'company', 'company', 'company name', 'organization', 'organisation', 'account'),
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
