import type { Command } from 'commander';
import { storageConfig } from '../../config.js';
import { withApi } from '../local-api.js';
import { formatDate, formatTable, printJson } from '../output.js';
import { parsePositiveInt } from './serve.js';

interface KeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  maxHosts: number | null;
  hostsRegistered: number;
  revokedAt: string | null;
  state: string;
}

type Globals = { dataDir?: string; databaseUrl?: string };

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('host-registration keys');

  keys
    .command('create')
    .description('create a host-registration key; it is printed once, only its hash is stored')
    .requiredOption('--name <name>', 'what the key is for (e.g. "web servers")')
    .option('--expires <YYYY-MM-DD>', 'last day the key can register hosts (UTC)')
    .option('--max-hosts <n>', 'how many hosts the key may register', parsePositiveInt('--max-hosts'))
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; expires?: string; maxHosts?: number; json?: boolean }, cmd: Command) => {
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) =>
        api.call<{ key: string; registrationKey: KeyView }>('POST', '/api/v1/registration-keys', {
          name: opts.name,
          ...(opts.expires === undefined ? {} : { expiresAt: opts.expires }),
          ...(opts.maxHosts === undefined ? {} : { maxHosts: opts.maxHosts }),
        }),
      );
      if (opts.json === true) {
        printJson(r);
        return;
      }
      process.stdout.write(
        `${r.key}\n\n` +
          `Registration key "${r.registrationKey.name}" (id ${r.registrationKey.id}) created. It is shown only now; store it safely.\n` +
          `Install the agent on a host with:\n  curl -fsSL http://SERVER:8080/agent/install.sh | sh -s -- --key ${r.key}\n`,
      );
    });

  keys
    .command('list')
    .description('list host-registration keys')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) => api.call<{ items: KeyView[] }>('GET', '/api/v1/registration-keys'));
      if (opts.json === true) {
        printJson(r.items);
        return;
      }
      process.stdout.write(
        `${formatTable(
          ['ID', 'NAME', 'PREFIX', 'STATE', 'HOSTS', 'MAX', 'EXPIRES', 'CREATED'],
          r.items.map((k) => [k.id, k.name, k.prefix, k.state, k.hostsRegistered, k.maxHosts, formatDate(k.expiresAt), formatDate(k.createdAt)]),
        )}\n`,
      );
    });

  keys
    .command('revoke')
    .description('revoke a host-registration key (hosts it registered keep working)')
    .argument('<id>', 'key id (see keys list)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) =>
        api.call<KeyView>('DELETE', `/api/v1/registration-keys/${encodeURIComponent(id)}`),
      );
      if (opts.json === true) printJson(r);
      else process.stdout.write(`revoked key "${r.name}" (${r.id})\n`);
    });
}
