/**
 * A large synthetic world written straight in SQL for the linker's speed run: accounts with 5 contacts
 * each (8% on free-mail addresses), 2–3 deals per account with two contacts each, and conversations of a
 * rep with 1–3 contacts of one account (a tenth internal stand-ups, a third with a Gong CRM context).
 */
import type { Db } from '../../src/db/db.ts';

export async function writeScaleWorld(db: Db, ws: string, contacts: number, conversations: number) {
  const accounts = Math.ceil(contacts / 5);
  const deals = Math.round(accounts * 2.5);
  await db.query(
    /* sql */ `INSERT INTO accounts (workspace_id, source, source_id, name, domain, owner_email, source_created_at)
     SELECT $1::uuid, 'hubspot', 'a' || i, 'Company ' || i, 'company' || i || '.com',
            'rep' || (i % 50) || '@vendor-demo.io', timestamptz '2024-01-01' + (i % 365) * interval '1 day'
       FROM generate_series(1, $2::int) i`,
    [ws, accounts],
  );
  await db.exec('ANALYZE accounts');
  await db.query(
    /* sql */ `INSERT INTO contacts (workspace_id, source, source_id, email, seniority, owner_email, account_id)
     SELECT $1::uuid, 'hubspot', 'c' || i,
            CASE WHEN i % 12 = 0 THEN 'p' || i || '@gmail.com' ELSE 'p' || i || '@company' || ((i - 1) / 5 + 1) || '.com' END,
            (ARRAY['c_level', 'vp', 'director', 'manager', 'individual_contributor'])[i % 5 + 1],
            'rep' || (i % 50) || '@vendor-demo.io', a.id
       FROM generate_series(1, $2::int) i
       JOIN accounts a ON a.workspace_id = $1::uuid AND a.source = 'hubspot' AND a.source_id = 'a' || ((i - 1) / 5 + 1)`,
    [ws, contacts],
  );
  await db.exec('ANALYZE contacts');
  await db.query(
    /* sql */ `INSERT INTO deals (workspace_id, source, source_id, name, account_id, source_created_at, closed_at,
                                is_closed, close_date, owner_email)
     SELECT $1::uuid, 'hubspot', 'd' || j, 'Deal ' || j, a.id, t.created,
            CASE WHEN j % 9 < 5 THEN t.created + interval '90 days' END, j % 9 < 5,
            (t.created + interval '90 days')::date, 'rep' || (j % 50) || '@vendor-demo.io'
       FROM generate_series(1, $2::int) j
       CROSS JOIN LATERAL (SELECT timestamptz '2024-06-01' + ((j * 37) % 700) * interval '1 day' AS created) t
       JOIN accounts a ON a.workspace_id = $1::uuid AND a.source = 'hubspot' AND a.source_id = 'a' || ((j - 1) % $3::int + 1)`,
    [ws, deals, accounts],
  );
  await db.exec('ANALYZE accounts; ANALYZE contacts; ANALYZE deals;');
  await db.query(
    /* sql */ `INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source)
     SELECT $1::uuid, d.id, c.id, 'hubspot_association'
       FROM generate_series(1, $2::int) j
       CROSS JOIN (VALUES (0), (2)) k(o)
       JOIN deals d ON d.workspace_id = $1::uuid AND d.source = 'hubspot' AND d.source_id = 'd' || j
       JOIN contacts c ON c.workspace_id = $1::uuid AND c.source = 'hubspot'
                      AND c.source_id = 'c' || (((j - 1) % $3::int) * 5 + 1 + (j + k.o) % 5)`,
    [ws, deals, accounts],
  );
  await db.query(
    /* sql */ `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, duration_seconds,
                                        organizer_email, participants, crm_context)
     SELECT $1::uuid, 'gong', 'g' || k,
            CASE WHEN k % 10 = 0 THEN 'Sales stand-up' ELSE 'Customer call' END,
            timestamptz '2024-06-01' + ((k * 53) % 760) * interval '1 day', 600 + k % 3000,
            'rep' || (k % 50) || '@vendor-demo.io',
            CASE WHEN k % 10 = 0
              THEN jsonb_build_array(jsonb_build_object('email', 'rep' || (k % 50) || '@vendor-demo.io'),
                                     jsonb_build_object('email', 'rep' || ((k + 1) % 50) || '@vendor-demo.io'))
              ELSE jsonb_build_array(jsonb_build_object('email', 'rep' || (k % 50) || '@vendor-demo.io',
                                                        'affiliation', 'internal'))
                   || (SELECT jsonb_agg(jsonb_build_object('email',
                              CASE WHEN (c0 + m) % 12 = 0 THEN 'p' || (c0 + m) || '@gmail.com'
                                   ELSE 'p' || (c0 + m) || '@company' || acct || '.com' END,
                              'affiliation', 'external'))
                         FROM generate_series(0, k % 3) m)
            END,
            CASE WHEN k % 3 = 0 THEN jsonb_build_object('objects', jsonb_build_array(jsonb_build_object(
                   'system', 'hubspot', 'object_type', 'deal', 'object_id', 'd' || (acct + ((k / 7) % 2) * $3::int))))
                 ELSE '{}'::jsonb END
       FROM generate_series(1, $2::int) k
       CROSS JOIN LATERAL (SELECT ((k * 7919) % $3::int) + 1 AS acct) x
       CROSS JOIN LATERAL (SELECT (x.acct - 1) * 5 + 1 + k % 3 AS c0) y`,
    [ws, conversations, accounts],
  );
  await db.exec('ANALYZE deal_contacts; ANALYZE conversations;');
  return { accounts, contacts, deals, conversations };
}
