/** This process, as written on the sync and skill runs it claims (host and pid). */
import { hostname } from 'node:os';

export const WORKER_ID = `${hostname()}:${process.pid}`;
