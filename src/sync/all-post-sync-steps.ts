/**
 * Loads every capability's post-sync step into the registry. Processes that run the chain (the server,
 * the demo, workers) import this once; a capability adding a step adds its module here.
 */
import '../compute/compute-post-sync-step.ts';
import '../linker/linker-post-sync.ts';
import '../entities/pipeline-rollups-post-sync-step.ts';
