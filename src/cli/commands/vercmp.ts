/**
 * `mamori vercmp rpm|dpkg|apk A B`: compares two versions as the package
 * manager does and prints `<`, `=` or `>` (exit 0), or `error: <message>` on
 * stderr (exit 2) for an invalid version or an unknown scheme.
 *
 * `mamori vercmp SCHEME --batch` reads `A B` pairs (white-space separated),
 * one per line, from stdin and prints one `<`, `=`, `>` or `error: <message>`
 * line per input line, streaming: readline over stdin, output gathered into
 * large chunks and written with backpressure. After the last line it exits 2
 * if any line was an error (with a count on stderr), else 0.
 *
 * A thin adapter over `versioning/`. Failure is signalled by throwing a
 * CommanderError with exit code 2 (what `cli/main.ts` turns into the exit
 * status) after printing the message.
 */
import { createInterface } from 'node:readline';
import { CommanderError, type Command } from 'commander';
import { isAppError } from '../../errors.js';
import { compareVersions, isVersionScheme, type Comparison, type VersionScheme } from '../../versioning/index.js';

/** Where the command reads and writes; tests pass their own streams. */
export interface VercmpIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Output is written in chunks of about this many characters. */
const CHUNK = 64 * 1024;

const SYMBOL: Readonly<Record<Comparison, string>> = { [-1]: '<', 0: '=', 1: '>' };
const LINE: Readonly<Record<Comparison, string>> = { [-1]: '<\n', 0: '=\n', 1: '>\n' };

function processIo(): VercmpIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

function fail(io: VercmpIo, message: string): never {
  io.stderr.write(`error: ${message}\n`);
  throw new CommanderError(2, 'mamori.vercmp', message);
}

function messageOf(e: unknown): string {
  if (isAppError(e)) return e.message;
  throw e;
}

export function registerVercmpCommand(program: Command, io: VercmpIo = processIo()): void {
  program
    .command('vercmp')
    .description('compare two versions as rpm, dpkg or apk does: prints <, = or >')
    .argument('<scheme>', 'version scheme: rpm, dpkg or apk')
    .argument('[a]', 'first version')
    .argument('[b]', 'second version')
    .option('--batch', 'read "A B" pairs from stdin, one per line; print one result per line')
    .addHelpText(
      'after',
      '\nExamples:\n  mamori vercmp rpm 2:8.0.1763-16.el7_9.2 2:8.0.1763-19.el7_9   # <\n  printf "1.0 1.0-0\\n" | mamori vercmp dpkg --batch            # =',
    )
    .action(async (scheme: string, a: string | undefined, b: string | undefined, opts: { batch?: boolean }) => {
      if (!isVersionScheme(scheme)) fail(io, `unknown version scheme ${JSON.stringify(scheme)} (expected rpm, dpkg or apk)`);
      if (opts.batch === true) {
        if (a !== undefined) fail(io, '--batch reads the version pairs from stdin; give no versions on the command line');
        await runBatch(scheme, io);
        return;
      }
      if (a === undefined || b === undefined) fail(io, 'expected two versions: mamori vercmp SCHEME A B (or --batch)');
      let result: Comparison;
      try {
        result = compareVersions(scheme, a, b);
      } catch (e) {
        fail(io, messageOf(e));
      }
      io.stdout.write(`${SYMBOL[result]}\n`);
    });
}

/** Splits a line into white-space separated fields (space, tab, CR); stops early after three. */
function fields(line: string, out: string[]): number {
  let n = 0;
  let i = 0;
  const len = line.length;
  while (i < len && n < 3) {
    let c = line.charCodeAt(i);
    while (c === 0x20 || c === 0x09 || c === 0x0d) {
      if (++i >= len) return n;
      c = line.charCodeAt(i);
    }
    const start = i;
    while (i < len) {
      c = line.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0d) break;
      i++;
    }
    out[n++] = line.slice(start, i);
  }
  return n;
}

async function runBatch(scheme: VersionScheme, io: VercmpIo): Promise<void> {
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  const parts: string[] = ['', '', ''];
  let out = '';
  let lineNo = 0;
  let errors = 0;
  // A reader that goes away (`| head`) ends the run quietly; other write errors fail it.
  const state: { writeError: (Error & { code?: string }) | null } = { writeError: null };
  const onWriteError = (e: Error): void => {
    state.writeError = e;
    rl.close();
  };
  io.stdout.on('error', onWriteError);

  const flush = async (): Promise<void> => {
    const chunk = out;
    out = '';
    if (state.writeError === null && !io.stdout.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          io.stdout.off('drain', done);
          io.stdout.off('error', done);
          resolve();
        };
        io.stdout.on('drain', done);
        io.stdout.on('error', done);
      });
    }
  };

  try {
    for await (const line of rl) {
      if (state.writeError !== null) break;
      lineNo++;
      const n = fields(line, parts);
      if (n !== 2) {
        errors++;
        out += `error: line ${lineNo}: expected two versions separated by white space, got ${n === 3 ? 'more' : String(n)}\n`;
      } else {
        try {
          out += LINE[compareVersions(scheme, parts[0]!, parts[1]!)];
        } catch (e) {
          errors++;
          out += `error: line ${lineNo}: ${messageOf(e)}\n`;
        }
      }
      if (out.length >= CHUNK) await flush();
    }
    if (out.length > 0) await flush();
  } finally {
    io.stdout.off('error', onWriteError);
    rl.close();
  }
  const werr = state.writeError;
  if (werr !== null) {
    if (werr.code === 'EPIPE') return;
    fail(io, `cannot write the results: ${werr.message}`);
  }
  if (errors > 0) fail(io, `${errors} of ${lineNo} lines could not be compared`);
}
