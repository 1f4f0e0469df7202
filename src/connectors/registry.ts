/** connector_name → adapter. Adding a connector is one folder and one line here. */
import { NotFoundError } from '../errors.ts';
import type { AnyConnectorAdapter } from './adapter.ts';
import { firefliesAdapter } from './fireflies/fireflies-adapter.ts';
import { gdriveAdapter } from './gdrive/gdrive-adapter.ts';
import { gongAdapter } from './gong/gong-adapter.ts';
import { hubspotAdapter } from './hubspot/hubspot-adapter.ts';
import { mondayAdapter } from './monday/monday-adapter.ts';
import { salesforceAdapter } from './salesforce/salesforce-adapter.ts';

const ADAPTERS: readonly AnyConnectorAdapter[] = [
  hubspotAdapter,
  salesforceAdapter,
  gongAdapter,
  firefliesAdapter,
  mondayAdapter,
  gdriveAdapter,
];

const byName = new Map<string, AnyConnectorAdapter>(ADAPTERS.map((a) => [a.name, a]));

export function getAdapter(name: string): AnyConnectorAdapter {
  const adapter = byName.get(name);
  if (!adapter) throw new NotFoundError(`connector "${name}"`);
  return adapter;
}

export function hasAdapter(name: string): boolean {
  return byName.has(name);
}

export function adapterNames(): string[] {
  return [...byName.keys()];
}

/** Tests register throwaway adapters; production code uses the list above. */
export function registerAdapter(adapter: AnyConnectorAdapter): void {
  byName.set(adapter.name, adapter);
}
