/**
 * The ActivePieces pieces workflows compile to, and how each tree action maps onto one. Piece package
 * and action names come from the ActivePieces reference (docs/ and piece sources); anything the
 * reference does not state is listed in UNCONFIRMED with the reason, never silently assumed.
 */
import type { ActionKind } from './workflow-tree.ts';

export type PieceKey = 'slack' | 'hubspot' | 'salesforce' | 'gmail' | 'google_sheets' | 'http' | 'monday';
export type TriggerPieceKey = 'webhook' | 'schedule';

export interface PieceEntry {
  /** npm-style package name ActivePieces installs. */
  pieceName: string;
  /**
   * The exact version compiled into flows when the engine cannot be asked. ActivePieces wants an
   * installed, exact version; on activation the installed one is read from `GET /v1/pieces/:name`.
   */
  version: string;
  /** How ActivePieces authenticates the piece (reference §7). */
  auth: 'OAUTH2' | 'SECRET_TEXT' | 'NONE';
  /** The Pandora connector whose presence makes the piece usable; null: needs nothing. */
  connector: string | null;
}

/**
 * UNCONFIRMED: every version below is a placeholder. The reference quotes piece versions only as
 * "illustrative" (0.12.3 Slack, 0.11.10 HTTP, 0.1.33 Webhook); no version here is known to be installed
 * on a given server, which is why activation resolves them from the engine first.
 */
export const PIECES: Readonly<Record<PieceKey | TriggerPieceKey, PieceEntry>> = {
  slack: { pieceName: '@activepieces/piece-slack', version: '0.12.3', auth: 'OAUTH2', connector: 'slack' },
  hubspot: {
    pieceName: '@activepieces/piece-hubspot',
    version: '0.1.0',
    auth: 'OAUTH2',
    connector: 'hubspot',
  },
  salesforce: {
    pieceName: '@activepieces/piece-salesforce',
    version: '0.1.0',
    auth: 'OAUTH2',
    connector: 'salesforce',
  },
  gmail: { pieceName: '@activepieces/piece-gmail', version: '0.1.0', auth: 'OAUTH2', connector: 'gmail' },
  google_sheets: {
    pieceName: '@activepieces/piece-google-sheets',
    version: '0.1.0',
    auth: 'OAUTH2',
    connector: 'google_sheets',
  },
  http: { pieceName: '@activepieces/piece-http', version: '0.11.10', auth: 'NONE', connector: null },
  // monday.com's current piece takes an API v2 token as SECRET_TEXT (older releases: OAuth2).
  monday: {
    pieceName: '@activepieces/piece-monday',
    version: '0.1.0',
    auth: 'SECRET_TEXT',
    connector: 'monday',
  },
  webhook: { pieceName: '@activepieces/piece-webhook', version: '0.1.33', auth: 'NONE', connector: null },
  schedule: { pieceName: '@activepieces/piece-schedule', version: '0.1.0', auth: 'NONE', connector: null },
};

/** Names in this file the reference does not confirm, with why each was chosen. */
export const UNCONFIRMED: Readonly<Record<string, string>> = {
  'piece versions': 'placeholders; resolved from GET /v1/pieces/:name on activation',
  'hubspot create_task':
    'the reference lists HubSpot actions create-or-update-contact, find-contact, create_deal only; a task action name is not confirmed',
  'hubspot update_deal':
    'the reference confirms no HubSpot action that updates a deal property; the name is a guess to verify against GET /v1/pieces',
  'gmail body_type plain_text': 'the reference names the body_type input of send_email, not its values',
  'http bearer header from a connection':
    'the reference documents {{connections[...]}} only in input.auth; its use in an HTTP header is unverified',
};

export interface ActionSpec {
  piece: PieceKey;
  actionName: string;
  /** Inputs the tree must give (each a text with optional {{references}}). */
  required: readonly string[];
  /** Inputs the tree may give besides; null: any extra key is allowed (it becomes a body field). */
  optional: readonly string[] | null;
  /** Needs PANDORA_PUBLIC_URL: the action calls Pandora's own API. */
  callsPandora?: boolean;
  /** Why the action cannot be used yet, if it cannot. */
  unavailable?: string;
  /** The action name is not confirmed by the reference (see UNCONFIRMED). */
  unconfirmed?: string;
}

export const ACTION_SPECS: Readonly<Record<ActionKind, ActionSpec>> = {
  post_slack: {
    piece: 'slack',
    actionName: 'send_channel_message',
    required: ['channel', 'text'],
    optional: ['thread_ts'],
  },
  call_webhook: { piece: 'http', actionName: 'send_request', required: ['url'], optional: null },
  send_email: {
    piece: 'gmail',
    actionName: 'send_email',
    required: ['to', 'subject', 'body'],
    optional: [],
    unconfirmed: 'gmail body_type plain_text',
  },
  create_crm_task: {
    piece: 'hubspot',
    actionName: 'create_task',
    required: ['subject'],
    optional: ['body', 'deal_id', 'due_date'],
    unconfirmed: 'hubspot create_task',
  },
  update_crm_field: {
    piece: 'hubspot',
    actionName: 'update_deal',
    required: ['deal_id', 'field', 'value'],
    optional: [],
    unconfirmed: 'hubspot update_deal',
  },
  run_skill: {
    piece: 'http',
    actionName: 'send_request',
    required: ['skill_id'],
    optional: [],
    callsPandora: true,
    unconfirmed: 'http bearer header from a connection',
  },
  start_enrichment: {
    piece: 'http',
    actionName: 'send_request',
    required: [],
    optional: [],
    callsPandora: true,
    unavailable: 'Pandora has no enrichment API to call yet',
  },
};

/** The app-connection external id a piece step names in `input.auth`; one per piece per project. */
export function connectionExternalId(piece: PieceKey | 'pandora_api'): string {
  return `pandora-${piece.replace(/_/g, '-')}`;
}
