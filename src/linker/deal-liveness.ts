/**
 * When a deal was live: from its creation to its close, or on to today when it is open. Read from the
 * deal's CRM dates and its stage history, so a call is judged against the deals open at its own time,
 * not against the deals open now.
 */

/**
 * CTEs over the workspace ($1) giving `deal_life`: one row per deal at an account with live_from (the
 * CRM's creation date, or the first stage change if earlier) and live_until (the close: closed_at, else
 * the last entry into a closed stage, else the end of close_date; infinity while open). `scope` narrows
 * the deals (an SQL condition on `d`), and the stage history is then probed by index for theirs; unscoped,
 * it is read in one aggregate joined by hash, never once per deal. `carried` names more columns of
 * deals that deal_life keeps, so a caller needs no second read of the deals.
 */
export function dealLifeCtes(scope?: string, carried: readonly string[] = []): string {
  const read = [
    'id',
    'account_id',
    'owner_email',
    'source_created_at',
    'is_closed',
    'closed_at',
    'close_date',
  ];
  const scoped = [...read, ...carried.filter((c) => !read.includes(c))].map((c) => `d.${c}`).join(', ');
  const more = carried.map((c) => `, d.${c}`).join('');
  return /* sql */ `
  deal_scope AS MATERIALIZED (
    SELECT ${scoped}
      FROM deals d
     WHERE d.workspace_id = $1::uuid AND d.account_id IS NOT NULL AND d.deleted_at IS NULL ${scope ? `AND (${scope})` : ''}
  ),
  deal_life AS MATERIALIZED (
    SELECT d.id AS deal_id, d.account_id, lower(d.owner_email) AS owner_email${more},
           coalesce(least(d.source_created_at, h.first_change), '-infinity'::timestamptz) AS live_from,
           CASE WHEN d.is_closed
                THEN coalesce(d.closed_at, h.closed_change, (d.close_date + 1)::timestamptz, 'infinity'::timestamptz)
                ELSE 'infinity'::timestamptz END AS live_until
      FROM deal_scope d
      LEFT JOIN (SELECT sh.deal_id, min(sh.changed_at) AS first_change,
                        max(sh.changed_at) FILTER (WHERE sh.to_stage_normalized IN ('closed_won', 'closed_lost'))
                          AS closed_change
                   FROM deal_stage_history sh
                  WHERE sh.workspace_id = $1::uuid
                        ${scope ? 'AND sh.deal_id = ANY(ARRAY(SELECT id FROM deal_scope))' : ''}
                  GROUP BY sh.deal_id) h ON h.deal_id = d.id
  )`;
}

/**
 * CTEs over the workspace ($1) giving `live_candidates` (conversation_id, n, list): for each call of the
 * CTE `calls` (id, account_id, started_at) with any, the deals live at its time at its account, as a JSON
 * array of {id, name, stage, is_closed} in the order the deals were created. A call the linker left
 * without a deal that has two or more had evidence that did not decide between them.
 */
export function liveCandidatesCtes(calls: string): string {
  return /* sql */ `
  ${dealLifeCtes(`d.account_id IN (SELECT account_id FROM ${calls})`, ['name', 'stage', 'is_closed', 'source_created_at'])},
  live_candidates AS (
    SELECT c.id AS conversation_id, count(*)::int AS n,
           json_agg(json_build_object('id', l.deal_id, 'name', l.name, 'stage', l.stage, 'is_closed', l.is_closed)
                    ORDER BY l.source_created_at NULLS LAST, l.deal_id) AS list
      FROM ${calls} c
      JOIN deal_life l ON l.account_id = c.account_id
                      AND c.started_at >= l.live_from AND c.started_at <= l.live_until
     GROUP BY c.id
  )`;
}
