/** Monday item → tasks row: status/people/date columns read by type; every column's text kept in custom_fields. */
import type { NormalisedRecord } from '../adapter.ts';
import type { MondayItem } from './monday-api.ts';

const DONE = /^(done|complete|completed|closed|won)$/i;

function parseJson(value: string | null | undefined): Record<string, unknown> | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function firstPersonId(value: string | null | undefined): string | null {
  const persons = parseJson(value)?.personsAndTeams;
  if (!Array.isArray(persons)) return null;
  const p = persons.find((x) => x && typeof x === 'object' && (x as { kind?: string }).kind === 'person');
  return p ? String((p as { id: unknown }).id) : null;
}

export function normaliseMondayItem(
  item: MondayItem,
  board: { id: string; name: string | null },
  userEmails: ReadonlyMap<string, string>,
): NormalisedRecord {
  const byType = (type: string) => item.column_values.find((c) => c.type === type);
  const status = byType('status')?.text ?? null;
  const people = byType('people');
  const ownerId = firstPersonId(people?.value);
  const dateText =
    byType('date')?.text ?? (parseJson(byType('date')?.value)?.date as string | undefined) ?? null;
  const due = dateText && /^\d{4}-\d{2}-\d{2}/.test(dateText) ? dateText.slice(0, 10) : null;
  const columns = Object.fromEntries(item.column_values.map((c) => [c.id, c.text ?? null]));
  return {
    row: {
      source: 'monday',
      source_id: item.id,
      source_data: { ...item, board_id: board.id },
      custom_fields: {
        columns,
        board_id: board.id,
        state: item.state ?? null,
        owner_names: people?.text ?? null,
      },
      title: item.name ?? null,
      status,
      task_type: 'monday_item',
      due_date: due,
      is_completed: !!status && DONE.test(status.trim()),
      owner_email: ownerId ? (userEmails.get(ownerId) ?? null) : null,
      board: board.name,
      group_name: item.group?.title ?? null,
      source_created_at: item.created_at ?? null,
      source_updated_at: item.updated_at ?? null,
    },
  };
}
