/** The linker over HTTP: internal domains, on-demand runs and coverage, manual links, conversations without deals. */
import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { CWD_SORTS, listConversationsWithoutDeals } from '../../linker/conversations-without-deals.ts';
import { LIKELY_CAUSES, SEVERITIES } from '../../linker/cwd-scoring.ts';
import { conversationsWithoutDealsSummary } from '../../linker/cwd-summary.ts';
import { isFreeMailDomain } from '../../linker/free-mail-domains.ts';
import { putInternalDomains, resolveInternalDomains } from '../../linker/internal-domains.ts';
import { linkerCoverage, linkerCoverageByMonth, runLinkerInChunks } from '../../linker/linker-run.ts';
import { withLinkerStatistics } from '../../linker/linker-statistics.ts';
import { setManualLinks } from '../../linker/manual-links.ts';
import { named, ok } from '../openapi/schema-builders.ts';
import {
  conversationLinkSchema,
  cwdPageSchema,
  cwdSummarySchema,
  internalDomainsSchema,
  internalDomainsWriteSchema,
  linkerRunSchema,
  linkerStatusSchema,
} from '../openapi/schemas/linker-schemas.ts';
import type { JsonSchema, RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { isoDate, parseInput, uuidParam } from '../request-validation.ts';

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'not a domain')
  .refine((d) => !isFreeMailDomain(d), 'a free-mail domain cannot be internal');
const putDomainsBody = z.object({ domains: z.array(domain).max(100) }).strict();

const linkId = uuidParam.nullable().optional();
const linksBody = z
  .object({ contact_id: linkId, account_id: linkId, deal_id: linkId })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of contact_id, account_id, deal_id');

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(200)
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(z.enum(values)));
const cwdQuery = z
  .object({
    severity: csv(SEVERITIES).optional(),
    likely_cause: csv(LIKELY_CAUSES).optional(),
    rep_email: z.string().trim().email().max(320).optional(),
    account_id: uuidParam.optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    as_of: isoDate.optional(),
    sort: z.enum(CWD_SORTS as [string, ...string[]]).default('-started_at'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

const coverageHistoryQuery = z
  .object({ months: z.coerce.number().int().min(1).max(60).default(12) })
  .strict();

export function linkerRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/linker/coverage/history', async (req, res) => {
    const { months } = parseInput(coverageHistoryQuery, req.query, 'query');
    const data = await inRequestWorkspace(deps, res, (tx, ws) => linkerCoverageByMonth(tx, ws, months));
    res.json({ data });
  });
  r.get('/config/internal-domains', async (_req, res) => {
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => resolveInternalDomains(tx, ws)));
  });
  r.put('/config/internal-domains', async (req, res) => {
    const body = parseInput(putDomainsBody, req.body, 'body');
    const ws = workspaceOf(res);
    await inRequestWorkspace(deps, res, (tx) => putInternalDomains(tx, ws, body.domains));
    // New domains change which calls are internal, and so which calls the linker may link.
    const relink = await withLinkerStatistics(
      deps.db,
      () => runLinkerInChunks(deps.db, ws),
      (run) => run,
      deps.log,
    );
    const resolved = await inRequestWorkspace(deps, res, (tx) => resolveInternalDomains(tx, ws));
    res.json({ ...resolved, relink });
  });
  r.post('/linker/run', async (_req, res) => {
    res.json(
      await withLinkerStatistics(
        deps.db,
        () => runLinkerInChunks(deps.db, workspaceOf(res)),
        (run) => run,
        deps.log,
      ),
    );
  });
  r.get('/linker/status', async (_req, res) => {
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => {
        const resolved = await resolveInternalDomains(tx, ws);
        return {
          internal_domains: { domains: resolved.domains, decided_by: resolved.decided_by },
          coverage: await linkerCoverage(tx, ws),
        };
      }),
    );
  });
  r.put('/conversations/:conversationId/links', async (req, res) => {
    const id = parseInput(uuidParam, req.params.conversationId, 'path');
    const body = parseInput(linksBody, req.body, 'body');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => setManualLinks(tx, ws, id, body)));
  });
  r.get('/conversations-without-deals', async (req, res) => {
    const query = parseInput(cwdQuery, req.query, 'query');
    if (query.since && query.until && query.until < query.since)
      throw new ValidationError('invalid query: until: must not be before since');
    res.json(
      await inRequestWorkspace(deps, res, (tx, ws) =>
        listConversationsWithoutDeals(tx, ws, {
          ...query,
          sort: query.sort as (typeof CWD_SORTS)[number],
          as_of: query.as_of,
        }),
      ),
    );
  });
  r.get('/conversations-without-deals/summary', async (req, res) => {
    const { as_of } = parseInput(z.object({ as_of: isoDate.optional() }).strict(), req.query, 'query');
    res.json(
      await inRequestWorkspace(deps, res, (tx, ws) =>
        conversationsWithoutDealsSummary(tx, ws, as_of ? new Date(as_of) : undefined),
      ),
    );
  });
  return r;
}

export function linkerRouteDocs(): RouteDoc[] {
  const cwdParams = Object.entries(fromZod(cwdQuery).properties as Record<string, JsonSchema>).map(
    ([name, schema]) => ({
      name,
      in: 'query' as const,
      schema,
    }),
  );
  return [
    routeDoc(
      'get',
      `${WS}/config/internal-domains`,
      'linker',
      'The resolved internal domains, with the source that decided each',
      { response: ok(internalDomainsSchema) },
    ),
    routeDoc(
      'put',
      `${WS}/config/internal-domains`,
      'linker',
      'Set the internal domains; conversations are re-classified and re-linked',
      {
        requestBody: fromZod(putDomainsBody),
        response: ok(internalDomainsWriteSchema),
      },
    ),
    routeDoc(
      'post',
      `${WS}/linker/run`,
      'linker',
      'Run the internal-meeting filter and the linker now; per-tier counts',
      { response: ok(linkerRunSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/linker/status`,
      'linker',
      'Link coverage: linked to a deal, to an account only, unlinked',
      { response: ok(linkerStatusSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/linker/coverage/history`,
      'linker',
      'Deal link rate of external calls by the month they took place',
      {
        parameters: [{ name: 'months', in: 'query', schema: fromZod(coverageHistoryQuery.shape.months) }],
        response: {
          status: 200,
          description: 'one row per month with external calls, oldest first',
          schema: {
            type: 'object',
            required: ['data'],
            properties: {
              data: {
                type: 'array',
                items: named('LinkerCoverageMonth', {
                  type: 'object',
                  required: [
                    'month',
                    'external',
                    'linked_to_deal',
                    'account_only',
                    'unlinked',
                    'deal_link_rate',
                  ],
                  properties: {
                    month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
                    external: { type: 'integer' },
                    linked_to_deal: { type: 'integer' },
                    account_only: { type: 'integer' },
                    unlinked: { type: 'integer' },
                    deal_link_rate: { type: ['number', 'null'] },
                  },
                }),
              },
            },
          },
        },
      },
    ),
    routeDoc(
      'put',
      `${WS}/conversations/:conversationId/links`,
      'linker',
      'Set manual links (never overwritten by the linker)',
      {
        requestBody: fromZod(linksBody),
        response: ok(conversationLinkSchema),
      },
    ),
    routeDoc(
      'get',
      `${WS}/conversations-without-deals`,
      'linker',
      'External conversations at an account but on no deal',
      {
        parameters: cwdParams,
        response: ok(cwdPageSchema),
      },
    ),
    routeDoc(
      'get',
      `${WS}/conversations-without-deals/summary`,
      'linker',
      'Counts by severity and likely cause',
      { response: ok(cwdSummarySchema) },
    ),
  ];
}
