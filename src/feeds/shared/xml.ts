/**
 * A safe, streaming XML reader for feed documents (OVAL), on top of `saxes`.
 *
 * - No DTDs: a `<!DOCTYPE …>` (and so any `<!ENTITY …>` declaration) is refused with a
 *   document error, which rules out external entities (XXE) and entity expansion bombs
 *   ("billion laughs"). saxes itself never fetches or expands declared entities; the
 *   refusal makes the policy explicit and the error clear.
 * - Streaming: text is written in chunks, events go to the caller's handlers as they are
 *   parsed; nothing keeps a tree of the document.
 * - Namespaces are resolved (`local` name and `uri` of every element); an unbound prefix
 *   is a document error.
 *
 * Every failure — malformed or truncated XML, invalid UTF-8, a DTD — is
 * `invalidDocument(feed, …)` with the parser's line and column. Pure.
 */
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { isAppError } from '../../errors.js';
import { errorMessage, invalidDocument } from './json.js';

export interface XmlElement {
  /** Local name, without prefix. */
  local: string;
  /** Namespace URI ('' when none). */
  uri: string;
  /** Attribute values by local name (prefixed attributes other than xmlns ones keep their local name too). */
  attrs: Readonly<Record<string, string>>;
  selfClosing: boolean;
}

export interface XmlHandlers {
  open(el: XmlElement): void;
  close(el: XmlElement): void;
  /** Character data (text and CDATA), possibly in several pieces. */
  text(t: string): void;
}

const CHUNK = 1 << 20;

function attrsOf(tag: SaxesTagNS): Record<string, string> {
  const out: Record<string, string> = {};
  const attrs = tag.attributes as Record<string, SaxesAttributeNS>;
  for (const key of Object.keys(attrs)) {
    const a = attrs[key]!;
    if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
    out[a.local] = a.value;
  }
  return out;
}

export class SafeXmlReader {
  private readonly parser: SaxesParser<{ xmlns: true; position: true }>;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private closed = false;

  constructor(
    private readonly feed: string,
    handlers: XmlHandlers,
  ) {
    const parser = new SaxesParser({ xmlns: true, position: true });
    parser.on('doctype', (doctype) => {
      const entities = /<!ENTITY/i.test(doctype);
      throw invalidDocument(
        feed,
        entities
          ? 'the document declares entities (<!ENTITY …> in a <!DOCTYPE>); DTDs and entity declarations are refused'
          : 'the document has a <!DOCTYPE>; DTDs are refused',
      );
    });
    parser.on('opentag', (t) => {
      handlers.open({ local: t.local, uri: t.uri, attrs: attrsOf(t), selfClosing: t.isSelfClosing });
    });
    parser.on('closetag', (t) => {
      handlers.close({ local: t.local, uri: t.uri, attrs: {}, selfClosing: t.isSelfClosing });
    });
    parser.on('text', (t) => {
      handlers.text(t);
    });
    parser.on('cdata', (t) => {
      handlers.text(t);
    });
    this.parser = parser;
  }

  /** Feeds text. */
  writeText(text: string): void {
    this.guard(() => {
      this.parser.write(text);
    });
  }

  /** Feeds bytes (UTF-8), decoding across chunk boundaries. */
  writeBytes(bytes: Uint8Array): void {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch (e) {
      throw invalidDocument(this.feed, 'not valid UTF-8', e);
    }
    this.writeText(text);
  }

  /** Feeds a whole document, in slices so that no single parser call sees more than 1 MiB. */
  writeAll(input: string | Uint8Array): void {
    if (typeof input === 'string') {
      for (let i = 0; i < input.length; i += CHUNK) this.writeText(input.slice(i, i + CHUNK));
    } else {
      for (let i = 0; i < input.length; i += CHUNK) this.writeBytes(input.subarray(i, i + CHUNK));
    }
  }

  /** Ends the document: a truncated document (open elements, no root) is a document error. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let rest: string;
    try {
      rest = this.decoder.decode();
    } catch (e) {
      throw invalidDocument(this.feed, 'not valid UTF-8 (truncated multi-byte sequence at the end)', e);
    }
    this.guard(() => {
      if (rest !== '') this.parser.write(rest);
      this.parser.close();
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (isAppError(e)) throw e;
      throw invalidDocument(this.feed, `not well-formed XML (${errorMessage(e)})`, e);
    }
  }
}

/** Collects character data of the element being read; `null` while not capturing. */
export class TextCapture {
  private parts: string[] | null = null;

  start(): void {
    this.parts = [];
  }

  get active(): boolean {
    return this.parts !== null;
  }

  add(t: string): void {
    if (this.parts !== null) this.parts.push(t);
  }

  /** The captured text, whitespace-trimmed; null when empty. */
  end(): string | null {
    const t = this.parts === null ? '' : this.parts.join('').trim();
    this.parts = null;
    return t === '' ? null : t;
  }
}
