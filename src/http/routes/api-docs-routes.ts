/** The OpenAPI document and the HTML reference built from it; public, no authentication. */
import { Router } from 'express';
import { renderApiDocsPage } from '../openapi/api-docs-page.ts';
import { openApiDocument } from '../openapi/route-doc-sources.ts';

export function apiDocsRoutes(): Router {
  const r = Router();
  let page: string | undefined;
  r.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  r.get('/api/docs', (_req, res) => {
    page ??= renderApiDocsPage(openApiDocument());
    res.type('html').send(page);
  });
  return r;
}
