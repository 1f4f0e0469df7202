/** The OpenAPI schema of a sync run as `GET …/sync-log` and `GET …/sync-log/:id` return it. */
export const syncRunSchema = {
  type: 'object',
  required: ['id', 'connector_name', 'trigger', 'mode', 'status', 'phase', 'post_sync', 'counts', 'progress'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    connection_id: { type: ['string', 'null'], format: 'uuid' },
    connector_name: {
      type: 'string',
      description: "the source; 'synthetic' for the demo, 'csv_import' for imports",
    },
    trigger: { type: 'string', enum: ['manual', 'scheduled', 'webhook', 'initial'] },
    mode: { type: 'string', enum: ['initial', 'incremental'] },
    status: {
      type: 'string',
      enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
      description: 'running until the post-sync chain is over: wait for this alone',
    },
    phase: {
      type: ['string', 'null'],
      enum: ['fetching', 'post_sync', null],
      description: 'what runs (or last ran): the pages, then the post-sync chain',
    },
    post_sync: {
      type: ['string', 'null'],
      enum: ['pending', 'running', 'done', 'failed', null],
      description: 'the chain: failed when a step failed (the data is written; status is then succeeded)',
    },
    counts: {
      type: 'object',
      description: 'per entity: inserted, updated, unchanged',
      additionalProperties: {
        type: 'object',
        required: ['inserted', 'updated', 'unchanged'],
        properties: {
          inserted: { type: 'integer' },
          updated: { type: 'integer' },
          unchanged: { type: 'integer' },
        },
        additionalProperties: false,
      },
    },
    progress: {
      type: 'object',
      description:
        'pages; changed (the entities the run changed, which choose the steps); post_sync: [{name, status, started_at, duration_ms, summary?, error?}]; http: the source calls made. Connectors add their own keys.',
      additionalProperties: true,
    },
    error: { type: ['string', 'null'] },
    started_at: { type: ['string', 'null'], format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;
