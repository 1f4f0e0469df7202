import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileWorkflow } from '../../src/workflows/flow-compiler.ts';
import { checkFlowVersion } from '../../src/workflows/flow-version.ts';
import { validateTree, type ValidationContext } from '../../src/workflows/tree-validator.ts';
import { buildFromTemplate, WORKFLOW_TEMPLATES } from '../../src/workflows/workflow-templates.ts';
import { TRIGGER_FIELDS, type WorkflowTree } from '../../src/workflows/workflow-tree.ts';

const everything: ValidationContext = {
  connectors: new Set(['slack', 'hubspot', 'gmail', 'salesforce']),
  publicUrl: 'https://pandora.example.com',
};
const options = { displayName: 'Test flow', workspaceId: '00000000-0000-4000-8000-000000000001' };

const highRiskToSlack: WorkflowTree = {
  trigger: { type: 'skill_finding', skill_id: 'deal_risk', min_severity: 'high' },
  steps: [
    {
      id: 'route',
      kind: 'branch',
      arms: [
        {
          name: 'High',
          when: [[{ field: 'trigger.severity', operator: 'TEXT_EXACTLY_MATCHES', value: 'high' }]],
          steps: [
            {
              id: 'notify',
              kind: 'action',
              action: 'post_slack',
              inputs: { channel: 'C0123', text: 'At risk: {{trigger.title}}' },
            },
          ],
        },
      ],
      otherwise: [],
    },
    {
      id: 'hook',
      kind: 'action',
      action: 'call_webhook',
      inputs: { url: 'https://hooks.example.com/x', run: '{{ trigger.run_id }}' },
    },
  ],
};

describe('tree validator', () => {
  it('accepts a well-formed tree and reports nothing but warnings', () => {
    const v = validateTree(highRiskToSlack, everything);
    assert.equal(v.valid, true, JSON.stringify(v.issues));
    assert.deepEqual(v.issues, []);
  });

  it('names the path of every problem', () => {
    const bad = structuredClone(highRiskToSlack) as any;
    bad.steps[0].arms.push({ name: 'Again', when: bad.steps[0].arms[0].when, steps: [] }); // same conditions: unreachable
    bad.steps[0].arms[0].steps[0].inputs = { channel: 'C1', text: '{{trigger.owner_email}}' };
    bad.steps[1].inputs.url = '';
    bad.steps.push({
      id: 'late',
      kind: 'action',
      action: 'post_slack',
      inputs: { channel: 'C', text: '{{steps.notify.ts}}' },
    });
    bad.steps.push({
      id: 'hook',
      kind: 'action',
      action: 'call_webhook',
      inputs: { url: 'https://a.example' },
    });
    const v = validateTree(bad, { ...everything, connectors: new Set(['hubspot']) });
    assert.equal(v.valid, false);
    const got = v.issues.map((i) => `${i.code} ${i.path}`).sort();
    assert.deepEqual(got, [
      'duplicate_step_id steps[3].id',
      'missing_connector steps[0].arms[0].steps[0].action',
      'missing_connector steps[2].action',
      'missing_input steps[1].inputs.url',
      'unknown_reference steps[0].arms[0].steps[0].inputs.text',
      'unknown_reference steps[2].inputs.text',
      'unreachable_branch steps[0].arms[1]',
    ]);
  });

  it('reports an unknown action and shape errors with their path', () => {
    const v = validateTree(
      {
        trigger: { type: 'sync_event', event: 'sync.failed' },
        steps: [{ id: 'a', kind: 'action', action: 'fax', inputs: {} }],
      },
      everything,
    );
    assert.equal(v.valid, false);
    assert.deepEqual(
      v.issues.map((i) => [i.code, i.path]),
      [['unknown_action', 'steps[0].action']],
    );
  });

  it('refuses data a schedule does not provide, bad cron, and value-less comparisons', () => {
    const v = validateTree(
      {
        trigger: { type: 'schedule', cron: '0 9 * * 1 *', timezone: 'UTC' },
        steps: [
          {
            id: 'b',
            kind: 'branch',
            arms: [
              {
                name: 'x',
                when: [[{ field: 'trigger.anything', operator: 'NUMBER_IS_GREATER_THAN' }]],
                steps: [],
              },
            ],
          },
        ],
      },
      everything,
    );
    assert.deepEqual(v.issues.map((i) => [i.code, i.path]).sort(), [
      ['bad_condition', 'steps[0].arms[0].when[0][0].value'],
      ['invalid_schedule', 'trigger.cron'],
      ['unknown_reference', 'steps[0].arms[0].when[0][0].field'],
    ]);
  });

  it('warns about unconfirmed piece actions without blocking, and refuses unavailable ones', () => {
    const v = validateTree(
      {
        trigger: { type: 'webhook' },
        steps: [
          {
            id: 'task',
            kind: 'action',
            action: 'create_crm_task',
            inputs: { subject: '{{trigger.body.deal}}' },
          },
          { id: 'enrich', kind: 'action', action: 'start_enrichment', inputs: {} },
        ],
      },
      everything,
    );
    assert.equal(v.valid, false);
    assert.deepEqual(
      v.issues.map((i) => [i.severity, i.code]),
      [
        ['warning', 'unconfirmed_action'],
        ['error', 'unavailable_action'],
      ],
    );
  });
});

describe('compiler', () => {
  it('compiles to the documented IMPORT_FLOW shape, deterministically', () => {
    const flow = compileWorkflow(highRiskToSlack, options);
    assert.deepEqual(checkFlowVersion(flow), []);
    assert.deepEqual(compileWorkflow(highRiskToSlack, options), flow);
    assert.equal(flow.trigger.settings.pieceName, '@activepieces/piece-webhook');
    assert.equal(flow.trigger.settings.triggerName, 'catch_webhook');
    const router = flow.trigger.nextAction!;
    assert.equal(router.type, 'ROUTER');
    assert.equal(router.name, 'step_1');
    const slack = router.children![0]!;
    assert.equal(slack.settings.actionName, 'send_channel_message');
    assert.deepEqual((slack.settings.input as any).text, 'At risk: {{trigger.body.title}}');
    assert.equal((slack.settings.input as any).auth, "{{connections['pandora-slack']}}");
    assert.equal(router.children![1], null);
    assert.equal(router.nextAction!.name, 'step_3');
    assert.deepEqual((router.nextAction!.settings.input as any).body, {
      data: { run: '{{trigger.body.run_id}}' },
    });
    assert.deepEqual((router.settings as any).branches[0].conditions, [
      [
        {
          firstValue: '{{trigger.body.severity}}',
          operator: 'TEXT_EXACTLY_MATCHES',
          secondValue: 'high',
          caseSensitive: false,
        },
      ],
    ]);
  });

  it('pins the engine-reported piece versions and schema version when given', () => {
    const flow = compileWorkflow(highRiskToSlack, {
      ...options,
      schemaVersion: '21',
      pieceVersions: { '@activepieces/piece-slack': '0.9.1' },
    });
    assert.equal(flow.schemaVersion, '21');
    assert.equal(flow.trigger.nextAction!.children![0]!.settings.pieceVersion, '0.9.1');
  });

  it('the flow check catches what the engine refuses', () => {
    const flow = compileWorkflow(highRiskToSlack, options) as any;
    delete flow.trigger.nextAction.children[0].settings.propertySettings.text;
    flow.trigger.nextAction.nextAction.settings.input.url = '{{step_9.url}}';
    assert.deepEqual(
      checkFlowVersion(flow).map((i) => i.message),
      ['no propertySettings entry for input "text"', 'expression names "step_9", which has not run'],
    );
  });
});

// Generators for trees: valid by construction most of the time; the property holds for any the validator accepts.
const triggerArb = fc.oneof(
  fc.record({
    type: fc.constant('skill_finding' as const),
    min_severity: fc.constantFrom('high' as const, 'low' as const),
  }),
  fc.record({
    type: fc.constant('sync_event' as const),
    event: fc.constantFrom('sync.completed' as const, 'sync.failed' as const),
  }),
  fc.record({
    type: fc.constant('schedule' as const),
    cron: fc.constantFrom('0 9 * * 1-5', '*/15 * * * *'),
    timezone: fc.constant('UTC'),
  }),
  fc.record({ type: fc.constant('webhook' as const) }),
);

function fieldsOf(type: string): string[] {
  return TRIGGER_FIELDS[type as keyof typeof TRIGGER_FIELDS].map((f) => f.replace('.*', '.value'));
}

function treeArb() {
  return triggerArb.chain((trigger) => {
    const fields = fieldsOf(trigger.type);
    const text = fields.length
      ? fc
          .tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...fields))
          .map(([s, f]) => `${s.replace(/[{}]/g, '')} {{trigger.${f}}}`)
      : fc.string({ maxLength: 20 }).map((s) => s.replace(/[{}]/g, ''));
    let counter = 0;
    const id = () => fc.constant(null).map(() => `s${counter++}`);
    const action = fc.oneof(
      fc.record({
        id: id(),
        kind: fc.constant('action' as const),
        action: fc.constant('post_slack' as const),
        inputs: fc.record({ channel: fc.constant('C1'), text }),
      }),
      fc.record({
        id: id(),
        kind: fc.constant('action' as const),
        action: fc.constant('call_webhook' as const),
        inputs: fc.record({ url: fc.constant('https://hooks.example.com/a'), note: text }),
      }),
      fc.record({
        id: id(),
        kind: fc.constant('action' as const),
        action: fc.constant('send_email' as const),
        inputs: fc.record({ to: fc.constant('a@example.com'), subject: text, body: text }),
      }),
    );
    const condition = fields.length
      ? fc.record({
          field: fc.constantFrom(...fields).map((f) => `trigger.${f}`),
          operator: fc.constantFrom('TEXT_CONTAINS' as const, 'NUMBER_IS_GREATER_THAN' as const),
          value: fc.integer({ min: 0, max: 9 }),
        })
      : fc.constant(null);
    const { step } = fc.letrec<{ step: any }>((tie) => ({
      step: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        action,
        fields.length
          ? fc.record({
              id: id(),
              kind: fc.constant('branch' as const),
              arms: fc.array(
                fc.record({
                  name: fc.constantFrom('A', 'B'),
                  when: fc.array(fc.array(condition, { minLength: 1, maxLength: 2 }), {
                    minLength: 1,
                    maxLength: 2,
                  }),
                  steps: fc.array(tie('step'), { maxLength: 2 }),
                }),
                { minLength: 1, maxLength: 3 },
              ),
              otherwise: fc.array(tie('step'), { maxLength: 2 }),
            })
          : action,
      ),
    }));
    return fc.record({
      trigger: fc.constant(trigger),
      steps: fc.array(step, { minLength: 1, maxLength: 4 }),
    });
  });
}

describe('compiler properties', () => {
  it('every tree the validator accepts compiles to a flow the flow check accepts, the same each time', () => {
    let accepted = 0;
    fc.assert(
      fc.property(treeArb(), (tree) => {
        const v = validateTree(tree, everything);
        if (!v.valid) return;
        accepted++;
        const flow = compileWorkflow(v.tree, options);
        assert.deepEqual(checkFlowVersion(flow), []);
        assert.deepEqual(compileWorkflow(v.tree, options), flow);
      }),
      { numRuns: 300 },
    );
    // The generator must exercise the property, not only produce rejected trees.
    assert.ok(accepted > 100, `only ${accepted} of 300 generated trees were valid`);
  });
});

describe('templates', () => {
  it('every built-in template, filled in, is a valid tree that compiles to an accepted flow', () => {
    for (const t of WORKFLOW_TEMPLATES) {
      const params = Object.fromEntries(
        Object.keys(t.params).map((k) => [k, k === 'url' ? 'https://hooks.example.com/x' : 'C0123456789']),
      );
      const { tree } = buildFromTemplate(t.id, params);
      const v = validateTree(tree, everything);
      assert.equal(v.valid, true, `${t.id}: ${JSON.stringify(v.issues)}`);
      assert.deepEqual(checkFlowVersion(compileWorkflow(v.tree, options)), [], t.id);
    }
    assert.equal(WORKFLOW_TEMPLATES.length, 5);
  });
});
