/**
 * Step 5: LinkedIn profiles. No provider is wired yet, so the step reports "not configured" through the
 * same interface as the others; a provider plugs in here (filling deal_contacts.linkedin_data) without
 * touching the pipeline.
 */
import { disabled, type EnrichmentStep, notConfigured } from './enrichment-steps.ts';

export const linkedinStep: EnrichmentStep = {
  name: 'linkedin',
  async run(state) {
    if (!state.settings.steps.linkedin) return disabled('linkedin');
    const contacts = state.deals.reduce((n, d) => n + d.contacts.length, 0);
    return notConfigured('a LinkedIn provider', { contacts, enriched: 0 });
  },
};
