/** What `npm start` prints once the demo is ready: where to look, and a few lines per skill. */
import type { SkillResult } from '../skills/skill-types.ts';
import type { DemoSummary } from './demo-workspace.ts';

export function formatDemoReport(url: string, demo: DemoSummary): string {
  const ws = `${url}/api/workspaces/${demo.workspaceId}`;
  const lines = [
    '',
    `Demo workspace: ${demo.workspaceName} (${demo.workspaceId})${demo.created ? ', created now' : ''}`,
    `Demo API key (new this start; older demo keys are revoked): ${demo.apiKey}`,
    '',
    'Try:',
    `  curl -H "authorization: Bearer ${demo.apiKey}" ${ws}/pipeline/summary`,
    `  curl -H "authorization: Bearer ${demo.apiKey}" "${ws}/deals?sort=-amount&limit=5"`,
    `  curl -H "authorization: Bearer ${demo.apiKey}" ${ws}/skill-runs`,
    `  API reference: ${url}/api/docs`,
    '',
    'Skill results:',
  ];
  for (const run of demo.runs) {
    const result = run.result as SkillResult | null;
    const high = result?.findings.filter((f) => f.severity === 'high').length ?? 0;
    lines.push(
      `  ${run.skill_id.padEnd(24)} ${run.status}` +
        (result ? ` · ${result.findings.length} findings (${high} high) · ${ws}/skill-runs/${run.id}` : ''),
    );
    if (run.error) lines.push(`      error: ${run.error}`);
    if (result?.narrative) {
      lines.push(`      ${result.narrative.headline}`);
      lines.push(`      (written by ${result.narrative.provider}/${result.narrative.model})`);
    }
    for (const f of result?.findings.slice(0, 3) ?? []) lines.push(`      - ${f.title}`);
  }
  lines.push('', `Full reports: npx pandora skill run <skill> --workspace ${demo.workspaceId}`);
  return lines.join('\n');
}
