/**
 * Stands in for a second transaction that PostgreSQL aborts ours against (40P01, deadlock detected): a
 * statement trigger on `table` raises that error the first `times` times it fires. A sequence counts the
 * firings, since nextval is not undone by the rollback. The returned function removes the trigger and
 * tells how many times it fired.
 */
import type { Db } from '../../src/db/db.ts';

export async function failWithDeadlock(db: Db, table: string, times: number): Promise<() => Promise<number>> {
  await db.exec(`
    DROP TRIGGER IF EXISTS conflict_test ON ${table};
    DROP SEQUENCE IF EXISTS conflict_test_firings;
    CREATE SEQUENCE conflict_test_firings;
    CREATE OR REPLACE FUNCTION conflict_test() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
      IF nextval('conflict_test_firings') <= ${times} THEN
        RAISE EXCEPTION 'deadlock detected (test)' USING ERRCODE = 'deadlock_detected';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER conflict_test AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION conflict_test();
  `);
  return async () => {
    const { rows } = await db.query<{ n: string }>('SELECT last_value AS n FROM conflict_test_firings');
    await db.exec(`DROP TRIGGER conflict_test ON ${table}; DROP SEQUENCE conflict_test_firings;`);
    return Number(rows[0]!.n);
  };
}
