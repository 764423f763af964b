/** Server and CLI settings: flags win over environment variables, which win over defaults. */
export interface StorageConfig {
  dataDir: string;
  databaseUrl: string | undefined;
}

export interface ServerConfig extends StorageConfig {
  host: string;
  port: number;
  staleAfterHours: number;
  publicUrl: string | undefined;
  adminPassword: string | undefined;
  /** Hours between scheduled feed syncs; 0 or absent: no schedule (`mamori serve` defaults to 6). */
  feedSyncIntervalHours?: number;
  /** Hours between full reconciliations of every host; 0 or absent: none queued by this process. */
  reconcileIntervalHours?: number;
}

export const DEFAULTS = {
  host: '0.0.0.0',
  port: 8080,
  dataDir: './mamori-data',
  staleAfterHours: 48,
} as const;

export function envOr(name: string, fallback: string | undefined): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function storageConfig(flags: { dataDir?: string | undefined; databaseUrl?: string | undefined }): StorageConfig {
  return {
    dataDir: flags.dataDir ?? envOr('MAMORI_DATA_DIR', DEFAULTS.dataDir)!,
    databaseUrl: flags.databaseUrl ?? envOr('DATABASE_URL', undefined),
  };
}
