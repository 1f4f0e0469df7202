/**
 * The SQL both deal and account engagement are built from: every activity, call and external
 * conversation of a row (by deal_id or account_id), and its recency-decayed weight under the cfg row's
 * engagement settings. Shared so the two scores cannot drift apart.
 */

/** `(key, kind, id, at)` for every touch of the workspace ($1) that names `key`. */
export function touchesOf(key: 'deal_id' | 'account_id'): string {
  return /* sql */ `(
    SELECT ${key}, 'activity' AS kind, id, occurred_at AS at FROM activities
      WHERE workspace_id = $1::uuid AND ${key} IS NOT NULL AND occurred_at IS NOT NULL
    UNION ALL
    SELECT ${key}, 'call', id, occurred_at FROM calls
      WHERE workspace_id = $1::uuid AND ${key} IS NOT NULL AND occurred_at IS NOT NULL
    UNION ALL
    SELECT ${key}, 'conversation', id, started_at FROM conversations
      WHERE workspace_id = $1::uuid AND ${key} IS NOT NULL AND started_at IS NOT NULL AND is_internal IS NOT TRUE
  )`;
}

/**
 * Sum of touch weights, each halved every g_half_life days before cfg.as_of. Past 1000 half-lives a touch
 * weighs nothing, and the exponent stops there: 0.5^n for larger n underflows a double and errors.
 */
export const DECAYED_TOUCHES = /* sql */ `sum(CASE t.kind WHEN 'activity' THEN cfg.g_activity WHEN 'call' THEN cfg.g_call ELSE cfg.g_conversation END
             * power(0.5, least(1000, greatest(0, date_part('epoch', cfg.as_of - t.at) / 86400.0) / cfg.g_half_life)))`;

/** The newest touch as evidence: {kind, id, at}. */
export const LAST_TOUCH = /* sql */ `(array_agg(jsonb_build_object('kind', t.kind, 'id', t.id, 'at', t.at) ORDER BY t.at DESC, t.id))[1]`;
