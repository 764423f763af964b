/**
 * A tiny reader for txtar archives (golang.org/x/tools/txtar): a comment, then files, each
 * introduced by a line `-- name --`. Test code only.
 */
export interface Txtar {
  comment: string;
  files: Map<string, string>;
}

const MARKER = /^-- (.+) --$/;

export function readTxtar(text: string): Txtar {
  const files = new Map<string, string>();
  let comment = '';
  let name: string | null = null;
  let body: string[] = [];
  const flush = (): void => {
    const content = body.length === 0 ? '' : `${body.join('\n')}\n`;
    if (name === null) comment = content;
    else files.set(name, content);
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = MARKER.exec(line);
    if (m === null) {
      body.push(line);
      continue;
    }
    flush();
    name = m[1]!;
    body = [];
  }
  flush();
  return { comment, files };
}
