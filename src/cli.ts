/** The `pandora` command's entry point: reads the command line, runs the command, sets the exit code. */
import { runCommandLine } from './cli/command-line.ts';
import { pandoraCommands } from './cli/pandora-commands.ts';
import { type Config, loadConfig } from './config.ts';

// Configuration is read on first use: `--help` works even where the environment is not (yet) valid.
let loaded: Config | undefined;
const config = () => (loaded ??= loadConfig());

runCommandLine(pandoraCommands(config), process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`pandora: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
