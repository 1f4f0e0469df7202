/** The OpenAPI document and the HTML reference built from it; public, no authentication. */
import { Router } from 'express';
import { renderApiDocsPage } from '../openapi/api-docs-page.ts';
import { openApiDocument } from '../openapi/route-doc-sources.ts';

export function apiDocsRoutes(): Router {
  const r = Router();
  let page: string | undefined;
  // A browser opening the server's address lands in the console; curl learns where the API is described.
  r.get('/', (req, res) => {
    if (req.accepts(['json', 'html']) === 'html') return res.redirect(302, '/console/');
    res.json({
      name: 'Pandora API',
      console: '/console/',
      docs: '/api/docs',
      openapi: '/api/openapi.json',
      health: '/healthz',
    });
  });
  r.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  r.get('/api/docs', (_req, res) => {
    page ??= renderApiDocsPage(openApiDocument());
    res.type('html').send(page);
  });
  return r;
}
