/**
 * Which rep a conversation belongs to. Until the sales roster is available the rep is the organizer
 * when the organizer is internal, else the first internal participant; the roster will replace this
 * seam (one SQL fragment) without touching its callers.
 */

/**
 * A LATERAL subquery yielding (rep_email, rep_name) for conversation alias `c`; `$domains` is the
 * parameter holding the internal domains (text[]).
 */
export function repAttributionSql(domains: string): string {
  return /* sql */ `(
    SELECT coalesce(
             CASE WHEN lower(split_part(c.organizer_email, '@', 2)) = ANY(${domains}) THEN lower(c.organizer_email) END,
             (SELECT lower(p->>'email')
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.participants) = 'array'
                                               THEN c.participants ELSE '[]'::jsonb END) WITH ORDINALITY AS e(p, ord)
               WHERE lower(split_part(p->>'email', '@', 2)) = ANY(${domains})
               ORDER BY ord LIMIT 1)) AS rep_email
  )`;
}

/** The name a rep e-mail had on the call (participants carry display names). */
export function repNameSql(): string {
  return /* sql */ `(
    SELECT p->>'name'
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.participants) = 'array'
                                     THEN c.participants ELSE '[]'::jsonb END) AS p
     WHERE lower(p->>'email') = rep.rep_email
     LIMIT 1
  )`;
}
