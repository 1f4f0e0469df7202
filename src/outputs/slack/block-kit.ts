/**
 * Block Kit building blocks with Slack's limits built in: every builder truncates to its limit, and
 * `packMessages` cuts a long list of blocks into messages that each fit (the first is posted, the rest
 * continue in its thread). Limits: docs.slack.dev/reference/block-kit/blocks.
 */

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  /** What a builder puts in one field: ten full fields must still fit in one message's text cap. */
  fieldTextBudget: 1000,
  contextElements: 10,
  contextText: 2000,
  /** Undocumented cap on the text of all blocks together (msg_blocks_too_long near 12–13k): stay below. */
  messageBlocksText: 11_000,
  /** The notification text beside the blocks. */
  fallbackText: 3000,
} as const;

export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider' };

interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

export interface SlackMessage {
  /** Notification fallback; Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: Block[];
}

/** Data shown in mrkdwn is escaped: only &, < and > have meaning there (& first). */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Cuts to at most `max` characters (code units), marking the cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Slack refuses empty text objects; whitespace-only counts as empty. */
function nonEmpty(text: string): string {
  return text.trim() === '' ? '—' : text;
}

export function header(text: string): Block {
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(nonEmpty(text), SLACK_LIMITS.headerText) },
  };
}

/** A section of mrkdwn that is already escaped where it holds data. */
export function section(mrkdwn: string): Block {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(nonEmpty(mrkdwn), SLACK_LIMITS.sectionText) },
  };
}

/** Label/value pairs as section fields, ten per section. */
export function fields(pairs: Array<[label: string, value: string]>): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < pairs.length; i += SLACK_LIMITS.sectionFields) {
    blocks.push({
      type: 'section',
      fields: pairs.slice(i, i + SLACK_LIMITS.sectionFields).map(([label, value]) => ({
        type: 'mrkdwn',
        text: truncate(
          `*${escapeMrkdwn(nonEmpty(label))}*\n${escapeMrkdwn(nonEmpty(value))}`,
          SLACK_LIMITS.fieldTextBudget,
        ),
      })),
    });
  }
  return blocks;
}

export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts
      .slice(0, SLACK_LIMITS.contextElements)
      .map((t) => ({ type: 'mrkdwn', text: truncate(nonEmpty(t), SLACK_LIMITS.contextText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

/** A link in mrkdwn; the label is data and escaped, the URL may not hold `|` or `>`. */
export function link(url: string, label: string): string {
  const safeUrl = url.replaceAll('|', '%7C').replaceAll('>', '%3E').replaceAll('<', '%3C');
  return `<${safeUrl}|${escapeMrkdwn(label)}>`;
}

function blockText(block: Block): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((n, f) => n + f.text.length, 0);
    case 'context':
      return block.elements.reduce((n, e) => n + e.text.length, 0);
    case 'divider':
      return 0;
  }
}

/**
 * Splits blocks into messages that each respect the per-message limits. A continuation message starts
 * with a context line saying which part it is, so a reader of the thread knows where they are.
 */
export function packMessages(fallback: string, blocks: Block[]): SlackMessage[] {
  const text = truncate(fallback, SLACK_LIMITS.fallbackText);
  const messages: SlackMessage[] = [];
  let current: Block[] = [];
  let size = 0;
  const continuation = () => context(`_continued (${messages.length + 1})_`);
  for (const block of blocks) {
    const n = blockText(block);
    if (
      current.length > 0 &&
      (current.length + 1 > SLACK_LIMITS.blocksPerMessage || size + n > SLACK_LIMITS.messageBlocksText)
    ) {
      messages.push({ text, blocks: current });
      const marker = continuation();
      current = [marker];
      size = blockText(marker);
    }
    current.push(block);
    size += n;
  }
  if (current.length > 0 || messages.length === 0) messages.push({ text, blocks: current });
  return messages;
}

/** Every way a message breaks Block Kit's limits, as readable problems (empty when it fits). */
export function blockLimitProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  if (message.blocks.length > SLACK_LIMITS.blocksPerMessage)
    problems.push(`${message.blocks.length} blocks (max ${SLACK_LIMITS.blocksPerMessage})`);
  if (message.text.length > SLACK_LIMITS.fallbackText) problems.push('fallback text too long');
  let total = 0;
  message.blocks.forEach((b, i) => {
    total += blockText(b);
    if (b.type === 'header' && b.text.text.length > SLACK_LIMITS.headerText)
      problems.push(`block ${i}: header over ${SLACK_LIMITS.headerText}`);
    if (b.type === 'section') {
      if (!b.text && !b.fields?.length) problems.push(`block ${i}: empty section`);
      if (b.text && (b.text.text.length > SLACK_LIMITS.sectionText || b.text.text.length === 0))
        problems.push(`block ${i}: section text length ${b.text.text.length}`);
      if ((b.fields?.length ?? 0) > SLACK_LIMITS.sectionFields) problems.push(`block ${i}: too many fields`);
      for (const f of b.fields ?? [])
        if (f.text.length > SLACK_LIMITS.fieldText || f.text.length === 0)
          problems.push(`block ${i}: field length ${f.text.length}`);
    }
    if (b.type === 'context') {
      if (b.elements.length === 0 || b.elements.length > SLACK_LIMITS.contextElements)
        problems.push(`block ${i}: ${b.elements.length} context elements`);
      for (const e of b.elements)
        if (e.text.length > SLACK_LIMITS.contextText) problems.push(`block ${i}: context text too long`);
    }
  });
  if (total > SLACK_LIMITS.messageBlocksText) problems.push(`blocks hold ${total} characters`);
  return problems;
}
