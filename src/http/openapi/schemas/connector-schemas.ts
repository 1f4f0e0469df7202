/** Response schemas of the connector, recorder and document-source routes. */
import {
  arr,
  bool,
  dateTime,
  enumOf,
  int,
  named,
  nullable,
  obj,
  open,
  record,
  str,
  uuid,
} from '../schema-builders.ts';

const countsByEntity = record(int, 'rows per entity');

export const connectionSchema = named(
  'Connection',
  obj({
    id: uuid,
    connector_name: str,
    status: str,
    base_url: nullable(str),
    last_sync_at: nullable(dateTime),
    last_error: nullable(str),
    created_at: dateTime,
    counts: countsByEntity,
    last_sync: nullable(
      obj({ id: uuid, status: str, trigger: str, mode: str, finished_at: nullable(dateTime) }),
    ),
  }),
);

const catalogEntry = named(
  'ConnectorCatalogEntry',
  obj({
    name: str,
    credentials: open({}, { description: 'the credential fields as JSON Schema' }),
    user_directory: { type: 'boolean', description: 'asks which users to track before the first sync' },
    selection: { type: 'boolean', description: 'reads only the boards or folders chosen' },
  }),
);

export const connectionsSchema = obj({
  data: arr(connectionSchema),
  available: { ...arr(str), description: 'every connector name' },
  catalog: arr(catalogEntry),
});

export const connectedSchema = named(
  'NewConnection',
  obj(
    {
      id: uuid,
      connector_name: str,
      status: enumOf(['connected']),
      base_url: nullable(str),
      sync_log_id: nullable(uuid),
      next_step: { type: 'string', description: 'what is needed before the first sync, when anything is' },
    },
    { optional: ['next_step'] },
  ),
);

export const disconnectedSchema = named(
  'Disconnection',
  obj({
    connector_name: str,
    status: enumOf(['disconnected']),
    purged: bool,
    deleted: { ...countsByEntity, description: 'rows deleted per entity (purge only)' },
  }),
);

export const syncStartedSchema = named(
  'SyncStarted',
  obj({ sync_log_id: uuid, status: str, coalesced: bool }),
);
export const populatedDealContactsSchema = named(
  'PopulatedDealContacts',
  obj({ deal_contacts_inserted: int, deal_accounts_linked: int }),
);

const directoryUser = {
  source_user_id: str,
  email: nullable(str),
  name: nullable(str),
  title: nullable(str),
  is_active: bool,
};
export const userDirectorySchema = obj({
  data: arr(
    named('DirectoryUser', obj({ ...directoryUser, tracked: bool }, { optional: ['title', 'is_active'] })),
  ),
  tracked_count: int,
  fetched_at: nullable(dateTime),
});

export const trackedUsersSchema = obj({
  data: arr(
    named(
      'TrackedUser',
      obj(
        {
          source_user_id: str,
          email: nullable(str),
          name: nullable(str),
          title: nullable(str),
          tracked_at: dateTime,
        },
        { optional: ['title'] },
      ),
    ),
  ),
  newly_tracked: arr(str),
  conversations: obj({ marked_tracked: int, marked_untracked: int }),
  sync_log_id: nullable(uuid),
});

export const selectionSchema = named(
  'ConnectorSelection',
  obj({
    connector_name: str,
    selection: open({}, { description: 'the boards or folders, as the connector resolved them' }),
  }),
);

export const transcriptSchema = named(
  'Transcript',
  obj({
    conversation_id: uuid,
    source: str,
    transcript_status: enumOf(['fetched']),
    fetched_at: dateTime,
    cached: { type: 'boolean', description: 'answered from the cache rather than the source' },
    transcript: obj({
      segments: arr(
        named(
          'TranscriptSegment',
          obj(
            {
              speaker_id: nullable(str),
              speaker_name: nullable(str),
              start: nullable({ type: 'number' }),
              end: nullable({ type: 'number' }),
              text: str,
              topic: nullable(str),
            },
            { optional: ['topic'] },
          ),
        ),
      ),
    }),
  }),
);

export const documentContentSchema = named(
  'DocumentContent',
  obj({
    document_id: uuid,
    source: str,
    mime_type: str,
    cached: bool,
    fetched_at: dateTime,
    content: str,
  }),
);

export const salesRosterSchema = obj({
  data: arr(
    named(
      'SalesRosterEntry',
      obj({
        email: str,
        name: nullable(str),
        title: nullable(str),
        tracked: bool,
        sources: arr(obj({ source: str, source_user_id: str, name: nullable(str), title: nullable(str) })),
        crm_owners: arr(
          obj({
            source: str,
            source_user_id: nullable(str),
            name: nullable(str),
            deal_count: int,
            open_deal_count: int,
          }),
        ),
      }),
    ),
  ),
});
