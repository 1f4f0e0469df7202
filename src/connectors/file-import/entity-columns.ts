/**
 * What a file's columns must give the detected entity: its required field (else the file is refused), and
 * for deals without a name column, the columns a name is made from.
 */
import { UnprocessableError } from '../../errors.ts';
import { IMPORT_ENTITY_TYPES, type ImportEntityType, REQUIRED_ANY } from './import-fields.ts';
import { normaliseHeader } from './column-mapping.ts';

const PRODUCT_HEADER = /\b(product|products|item|sku|plan|service|offering|package|edition)\b/;

/**
 * A deal needs a name; when no column holds one, the names are made from the account and product columns
 * (the way a rep names a deal), else from the id. Identity stays with the id: this is only what people read.
 */
// Headers no vocabulary knows can be named at upload.
const MAP_HINT = 'upload again with entity_type and a mapping of your columns (e.g. {"Titel": "name"})';

export function proposeNameColumns(
  entity: ImportEntityType,
  mapping: Readonly<Record<string, string | null>>,
): string[] | null {
  if (entity !== 'deals') return null;
  const headers = Object.keys(mapping);
  if (headers.some((h) => mapping[h] === 'name')) return null;
  const account = headers.find((h) => mapping[h] === 'account_name');
  const product = headers.find((h) => mapping[h] === null && PRODUCT_HEADER.test(normaliseHeader(h)));
  const id = headers.find((h) => mapping[h] === 'external_id');
  if (account && product) return [account, product];
  if (id) return [id];
  // A product column alone is a product list, not deals: no name is made up for it.
  return account ? [account] : null;
}

/**
 * Refuses a file none of whose columns can give the detected entity its required field (a product list,
 * a price sheet): nothing in it would import, whatever the user confirms.
 */
export function requireEntityColumns(
  entity: ImportEntityType,
  mapping: Readonly<Record<string, string | null>>,
  nameFrom: string[] | null,
  hinted: boolean,
): void {
  const mapped = new Set(Object.values(mapping).filter((f): f is string => f !== null));
  if (nameFrom) mapped.add('name');
  const required = REQUIRED_ANY[entity];
  if (required.some((f) => mapped.has(f))) return;
  const needs = IMPORT_ENTITY_TYPES.map((e) => `${e} (${REQUIRED_ANY[e].join(' or ')})`).join(', ');
  throw new UnprocessableError(
    hinted
      ? `no column of the file gives ${entity} a ${required.join(' or ')}; supported record types and the column each needs: ${needs}; ${MAP_HINT}`
      : `the file holds none of the supported record types: ${needs}; its columns are ${Object.keys(mapping).slice(0, 20).join(', ')}; ${MAP_HINT}`,
    // The columns, so a client can offer to map them and upload again.
    {
      headers: Object.keys(mapping),
      required: Object.fromEntries(IMPORT_ENTITY_TYPES.map((e) => [e, REQUIRED_ANY[e]])),
    },
  );
}
