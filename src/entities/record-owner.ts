/**
 * Who a record's figures roll up under: its owner's email, else the owner's name as the source gave it (a
 * file import whose owner column held names that no known owner matched keeps them as names).
 */
export function ownerSql(alias = ''): string {
  return `coalesce(${alias}owner_email, nullif(btrim(${alias}owner_name), ''))`;
}

export const NO_OWNER = '(no owner)';
