/**
 * Posting a finished skill run to the workspace's Slack through the shared posting path. The outcome
 * (channel, ts, or the error) is recorded on the run; a failed post never fails the run.
 */
import type { Config } from '../../config.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { getSkillRun, recordSkillRunDelivery, type SkillRun } from '../../skills/skill-runs.ts';
import type { SlackMessage } from './block-kit.ts';
import { formatSkillRunForSlack } from './skill-formatters.ts';
import {
  postsAutomatically,
  postToWorkspaceSlack,
  type SlackPostDeps,
  type SlackPostOutcome,
} from './slack-posting.ts';
import { loadSlackSettings } from './slack-settings.ts';

export function runUrl(config: Config, workspaceId: string, runId: string): string | undefined {
  return config.publicUrl
    ? `${config.publicUrl.replace(/\/$/, '')}/api/workspaces/${workspaceId}/skill-runs/${runId}`
    : undefined;
}

export function slackMessagesForRun(config: Config, run: SkillRun, workspaceId: string): SlackMessage[] {
  return formatSkillRunForSlack(run, runUrl(config, workspaceId, run.id));
}

/**
 * Posts the run when Slack is configured and on for its skill (or `force`, for an explicit request).
 * Returns the outcome it recorded, or null when Slack is not configured at all.
 */
export async function postSkillRunToSlack(
  deps: SlackPostDeps,
  workspaceId: string,
  runId: string,
  opts: { force?: boolean } = {},
): Promise<SlackPostOutcome | null> {
  const { settings, run } = await withWorkspace(deps.db, workspaceId, async (tx) => ({
    settings: await loadSlackSettings(tx, workspaceId, deps.vault),
    run: await getSkillRun(tx, workspaceId, runId),
  }));
  if (!settings) return null;
  if (!opts.force && !postsAutomatically(settings, run.skill_id)) return null;
  const outcome = await postToWorkspaceSlack(
    deps,
    settings,
    run.skill_id,
    slackMessagesForRun(deps.config, run, workspaceId),
    { workspaceId, runId },
  );
  await withWorkspace(deps.db, workspaceId, (tx) =>
    recordSkillRunDelivery(tx, workspaceId, runId, 'slack', { ...outcome }),
  );
  return outcome;
}
