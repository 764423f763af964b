import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { storageConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { withApi } from '../local-api.js';
import { printJson } from '../output.js';

type Globals = { dataDir?: string; databaseUrl?: string };

interface Summary {
  hostId: string;
  packages: number;
  added: number;
  removed: number;
  changed: number;
  unparsed: number;
  warnings: string[];
}

export function registerInventoryCommand(program: Command): void {
  const inventory = program.command('inventory').description('host inventories');
  inventory
    .command('import')
    .description('import inventories: `mamori-agent collect` output or Vuls scan-result JSON ("-" reads stdin)')
    .argument('<files...>', 'JSON files')
    .option('--hostname <name>', 'store under this host name instead of the one in the document')
    .option('--json', 'print JSON')
    .action(async (files: string[], opts: { hostname?: string; json?: boolean }, cmd: Command) => {
      const docs: { file: string; doc: unknown }[] = [];
      for (const file of files) {
        const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
        try {
          docs.push({ file, doc: JSON.parse(text) });
        } catch (e) {
          throw new AppError('ERR_BAD_JSON', `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const results = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), async (api) => {
        const out: (Summary & { file: string })[] = [];
        for (const { file, doc } of docs) {
          const q = opts.hostname === undefined ? '' : `?hostname=${encodeURIComponent(opts.hostname)}`;
          out.push({ file, ...(await api.call<Summary>('POST', `/api/v1/inventories${q}`, doc)) });
        }
        return out;
      });
      if (opts.json === true) {
        printJson(results);
        return;
      }
      for (const r of results) {
        process.stdout.write(
          `${r.file}: host ${r.hostId}: ${r.packages} packages (+${r.added} -${r.removed} ~${r.changed}` +
            `${r.unparsed > 0 ? `, ${r.unparsed} unparsable versions` : ''})\n`,
        );
        for (const w of r.warnings) process.stdout.write(`  warning: ${w}\n`);
      }
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
