/** Manual links: a person's word on which contact, account and deal a conversation belongs to; the linker never overwrites it. */
import type { Queryable } from '../db/db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

export interface ManualLinkInput {
  contact_id?: string | null;
  account_id?: string | null;
  deal_id?: string | null;
}

export interface ConversationLink {
  conversation_id: string;
  is_internal: boolean | null;
  internal_classification_reason: string | null;
  contact_id: string | null;
  account_id: string | null;
  deal_id: string | null;
  link_method: string | null;
}

const LINK_COLUMNS =
  'id AS conversation_id, is_internal, internal_classification_reason, contact_id, account_id, deal_id, link_method';

export async function getConversationLink(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<ConversationLink> {
  const { rows } = await q.query<ConversationLink>(
    `SELECT ${LINK_COLUMNS} FROM conversations WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, id],
  );
  if (!rows[0]) throw new NotFoundError('conversation');
  return rows[0];
}

async function exists(q: Queryable, table: 'contacts' | 'accounts' | 'deals', ws: string, id: string) {
  const { rows } = await q.query<{ account_id: string | null }>(
    `SELECT ${table === 'accounts' ? 'id' : 'account_id'} AS account_id FROM ${table}
      WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [ws, id],
  );
  if (!rows[0])
    throw new ValidationError(`invalid body: ${table.slice(0, -1)}_id: no such record in this workspace`);
  return rows[0].account_id;
}

/**
 * Sets the links by hand (link_method = 'manual'). A deal without an account takes the deal's account.
 * All three null releases the conversation back to the linker.
 */
export async function setManualLinks(
  q: Queryable,
  workspaceId: string,
  conversationId: string,
  input: ManualLinkInput,
): Promise<ConversationLink> {
  const current = await getConversationLink(q, workspaceId, conversationId);
  const next = {
    contact_id: input.contact_id === undefined ? current.contact_id : input.contact_id,
    account_id: input.account_id === undefined ? current.account_id : input.account_id,
    deal_id: input.deal_id === undefined ? current.deal_id : input.deal_id,
  };
  if (next.contact_id) await exists(q, 'contacts', workspaceId, next.contact_id);
  if (next.account_id) await exists(q, 'accounts', workspaceId, next.account_id);
  if (next.deal_id) {
    const dealAccount = await exists(q, 'deals', workspaceId, next.deal_id);
    if (input.account_id === undefined && dealAccount) next.account_id = dealAccount;
    else if (next.account_id && dealAccount && dealAccount !== next.account_id)
      throw new ValidationError('invalid body: deal_id: the deal belongs to another account');
  }
  const released = !next.contact_id && !next.account_id && !next.deal_id;
  await q.query(
    /* sql */ `UPDATE conversations
        SET contact_id = $3::uuid, account_id = $4::uuid, deal_id = $5::uuid,
            link_method = $6::text, updated_at = now()
      WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, conversationId, next.contact_id, next.account_id, next.deal_id, released ? null : 'manual'],
  );
  return getConversationLink(q, workspaceId, conversationId);
}
