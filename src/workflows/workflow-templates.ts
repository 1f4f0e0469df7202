/**
 * Built-in workflow templates: trees with a few named parameters (a Slack channel, a webhook URL) a
 * workspace fills in to get a workflow. They act through Slack, webhooks and the CRM.
 */
import { NotFoundError, ValidationError } from '../errors.ts';
import type { WorkflowTree } from './workflow-tree.ts';

export interface WorkflowTemplate {
  id: string;
  name: string;
  description: string;
  /** Parameter name → what to give. */
  params: Readonly<Record<string, string>>;
  build(p: Readonly<Record<string, string>>): WorkflowTree;
}

export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = [
  {
    id: 'high-risk-deals-to-slack',
    name: 'Post high-risk deals to Slack',
    description:
      'Every high-severity deal-at-risk finding of the pipeline hygiene skill goes to a Slack channel.',
    params: { channel: 'Slack channel id, e.g. C0123456789' },
    build: (p) => ({
      trigger: { type: 'skill_finding', skill_id: 'pipeline-hygiene', min_severity: 'high' },
      steps: [
        {
          id: 'at_risk',
          kind: 'branch',
          arms: [
            {
              name: 'Deal at risk',
              when: [[{ field: 'trigger.kind', operator: 'TEXT_EXACTLY_MATCHES', value: 'deal_at_risk' }]],
              steps: [
                {
                  id: 'alert',
                  kind: 'action',
                  action: 'post_slack',
                  inputs: { channel: p.channel!, text: ':rotating_light: High-risk deal: {{trigger.title}}' },
                },
              ],
            },
          ],
          otherwise: [],
        },
      ],
    }),
  },
  {
    id: 'sync-failed-webhook',
    name: 'Call my webhook when a sync fails',
    description:
      'A failed sync of any connector calls your URL with the connector, the error and the sync id.',
    params: { url: 'the https URL to call' },
    build: (p) => ({
      trigger: { type: 'sync_event', event: 'sync.failed' },
      steps: [
        {
          id: 'notify',
          kind: 'action',
          action: 'call_webhook',
          inputs: {
            url: p.url!,
            connector: '{{trigger.connector}}',
            error: '{{trigger.error}}',
            sync_log_id: '{{trigger.sync_log_id}}',
          },
        },
      ],
    }),
  },
  {
    id: 'stale-deal-nudge-slack',
    name: 'Stale deal nudge in Slack',
    description: 'Pipeline hygiene findings about stale or unsized deals are posted to the team channel.',
    params: { channel: 'Slack channel id' },
    build: (p) => ({
      trigger: { type: 'skill_finding', skill_id: 'pipeline-hygiene' },
      steps: [
        {
          id: 'nudge',
          kind: 'action',
          action: 'post_slack',
          inputs: { channel: p.channel!, text: 'Pipeline hygiene: {{trigger.title}} ({{trigger.severity}})' },
        },
      ],
    }),
  },
  {
    id: 'conversation-without-deal-task',
    name: 'Conversation without a deal → CRM task',
    description:
      'When the data quality audit finds recorded conversations with no deal, a HubSpot task is created.',
    params: {},
    build: () => ({
      trigger: { type: 'skill_finding', skill_id: 'data-quality-audit' },
      steps: [
        {
          id: 'only_unlinked',
          kind: 'branch',
          arms: [
            {
              name: 'Conversations without deals',
              when: [
                [
                  {
                    field: 'trigger.kind',
                    operator: 'TEXT_EXACTLY_MATCHES',
                    value: 'conversations_without_deals',
                  },
                ],
              ],
              steps: [
                {
                  id: 'task',
                  kind: 'action',
                  action: 'create_crm_task',
                  inputs: { subject: 'Create a deal: {{trigger.title}}' },
                },
              ],
            },
          ],
          otherwise: [],
        },
      ],
    }),
  },
  {
    id: 'weekly-forecast-digest',
    name: 'Weekly forecast digest',
    description:
      'Every Monday at 09:00 UTC the forecast skill runs; its findings then post through Slack settings.',
    params: {},
    build: () => ({
      trigger: { type: 'schedule', cron: '0 9 * * 1', timezone: 'UTC' },
      steps: [{ id: 'forecast', kind: 'action', action: 'run_skill', inputs: { skill_id: 'forecast' } }],
    }),
  },
];

export function templateView(t: WorkflowTemplate) {
  return { id: t.id, name: t.name, description: t.description, params: t.params };
}

export function buildFromTemplate(
  id: string,
  params: Readonly<Record<string, string>>,
): { template: WorkflowTemplate; tree: WorkflowTree } {
  const template = WORKFLOW_TEMPLATES.find((t) => t.id === id);
  if (!template) throw new NotFoundError(`workflow template "${id}"`);
  for (const name of Object.keys(template.params))
    if (!params[name])
      throw new ValidationError(`template "${id}" needs parameter "${name}": ${template.params[name]}`);
  for (const name of Object.keys(params))
    if (!(name in template.params))
      throw new ValidationError(`template "${id}" takes no parameter "${name}"`);
  return { template, tree: template.build(params) };
}
