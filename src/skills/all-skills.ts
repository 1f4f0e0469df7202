/** Loads every built-in skill into the registry (each module registers itself on import). */
import './custom-field-discovery.ts';
import './data-quality-audit.ts';
import './forecast.ts';
import './pipeline-hygiene.ts';

export const BUILT_IN_SKILLS = [
  'pipeline-hygiene',
  'forecast',
  'data-quality-audit',
  'custom-field-discovery',
] as const;
