/** The OpenAPI documentation of the /import routes. */
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { accepted, created, dataList, named, ok } from '../openapi/schema-builders.ts';
import {
  importBatchDetailSchema,
  importBatchOnlySchema,
  importBatchSchema,
  importRelinkSchema,
  importRollbackSchema,
  importUploadSchema,
} from '../openapi/schemas/import-schemas.ts';
import { confirmBody, uploadFields } from './import-routes.ts';

export function importRouteDocs(): RouteDoc[] {
  const batch = `${WS}/import/batches/:batchId`;
  return [
    routeDoc(
      'post',
      `${WS}/import/upload`,
      'import',
      'Upload a CSV or .xlsx file (multipart, field "file"); returns the preview',
      {
        description: `Form fields besides the file: ${Object.keys((fromZod(uploadFields).properties as object) ?? {}).join(', ')}.`,
        response: created(importUploadSchema),
      },
    ),
    routeDoc(
      'post',
      `${WS}/import/:batchId/confirm`,
      'import',
      'Confirm mapping and strategy; the batch is applied as a job',
      {
        requestBody: fromZod(confirmBody),
        response: accepted(importBatchOnlySchema),
      },
    ),
    routeDoc(
      'post',
      `${WS}/import/:batchId/rollback`,
      'import',
      'Restore the workspace to its state before the batch',
      { response: ok(importRollbackSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/import/cancel/:batchId`,
      'import',
      'Cancel a pending or confirmed batch and delete its file',
      { response: ok(importBatchOnlySchema) },
    ),
    routeDoc(
      'get',
      `${WS}/import/fields`,
      'import',
      'The fields a column can be mapped to, per entity type',
      {
        response: {
          status: 200,
          description: 'field names and value kinds by entity type',
          schema: {
            type: 'object',
            required: ['data'],
            properties: {
              data: {
                type: 'object',
                additionalProperties: {
                  type: 'array',
                  items: named('ImportField', {
                    type: 'object',
                    required: ['name', 'kind'],
                    properties: { name: { type: 'string' }, kind: { type: 'string' } },
                    additionalProperties: false,
                  }),
                },
              },
            },
          },
        },
      },
    ),
    routeDoc('get', `${WS}/import/batches`, 'import', 'Import batches, newest first', {
      response: ok(dataList(importBatchSchema)),
    }),
    routeDoc('get', batch, 'import', 'One batch: status, mapping, counts, warnings, progress', {
      response: ok(importBatchDetailSchema),
    }),
    routeDoc(
      'post',
      `${WS}/import/relink`,
      'import',
      'Infer account and deal links across the whole workspace',
      { response: ok(importRelinkSchema) },
    ),
  ];
}
