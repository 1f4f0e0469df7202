/**
 * The StageValueClassifier on the LLM classify tier (src/llm): stage labels no stored mapping and no
 * built-in rule recognise are classified in one batched call; the offline provider applies keyword rules.
 * Answers become stored stage_mappings at confirm, so each label is classified once per workspace.
 */
import { type Category, classifyItems } from '../../llm/classify-batch.ts';
import type { LlmSession } from '../../llm/llm-client.ts';
import { STAGE_NORMALIZED, type StageNormalized } from '../../compute/stage-normalisation.ts';
import type { StageValueClassifier } from './import-stages.ts';

const UNKNOWN = 'unknown';

const CATEGORIES: readonly Category[] = [
  { id: 'closed_won', description: 'deal signed / won', keywords: ['won', 'signed', 'booked', 'live'] },
  {
    id: 'closed_lost',
    description: 'deal lost, dead or disqualified',
    keywords: ['lost', 'dead', 'no decision', 'churn', 'disqual'],
  },
  {
    id: 'negotiation',
    description: 'terms, contract, legal, procurement',
    keywords: ['negot', 'contract', 'legal', 'procure', 'redline', 'terms'],
  },
  {
    id: 'decision',
    description: 'proposal out, awaiting the buying decision',
    keywords: ['proposal', 'quote', 'decision', 'commit', 'verbal'],
  },
  {
    id: 'evaluation',
    description: 'demo, trial, proof of concept, technical evaluation',
    keywords: ['demo', 'trial', 'poc', 'pilot', 'eval', 'technical'],
  },
  {
    id: 'qualification',
    description: 'discovery, qualifying need and budget',
    keywords: ['discover', 'qualif', 'intro', 'first call', 'sql'],
  },
  {
    id: 'awareness',
    description: 'new, prospecting, first contact',
    keywords: ['new', 'prospect', 'lead', 'mql', 'cold', 'outreach'],
  },
  { id: UNKNOWN, description: 'none of the above / not a sales stage', keywords: [] },
];

export function createLlmStageClassifier(llm: LlmSession): StageValueClassifier {
  return {
    name: 'llm',
    async classify(values) {
      const items = values.slice(0, 200).map((text, i) => ({ id: String(i), text }));
      const outcome = await classifyItems(llm, 'file_import_stage_mapping', items, CATEGORIES, {
        fallback: UNKNOWN,
      });
      const answers = new Map<string, StageNormalized | null>();
      for (const item of items) {
        const label = outcome.labels.get(item.id);
        answers.set(
          item.text,
          label && (STAGE_NORMALIZED as readonly string[]).includes(label)
            ? (label as StageNormalized)
            : null,
        );
      }
      return answers;
    },
  };
}
