/**
 * Loads every built-in skill into the registry (each module registers itself on import). icp-discovery is
 * run on request (it writes a profile version and rescores every lead), not by `skill run all` or the demo.
 */
import './custom-field-discovery.ts';
import './data-quality-audit.ts';
import './forecast.ts';
import './icp-discovery.ts';
import './pipeline-hygiene.ts';

export const BUILT_IN_SKILLS = [
  'pipeline-hygiene',
  'forecast',
  'data-quality-audit',
  'custom-field-discovery',
] as const;
