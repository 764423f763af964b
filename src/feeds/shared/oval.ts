/**
 * OVAL 5 definition documents (`<oval_definitions>`, as Red Hat and SUSE publish them),
 * read with the streaming `SafeXmlReader`: no tree of the document is built. What is kept
 * is one small record per definition (metadata and its criteria tree) and per
 * test/object/state (ids, references and the few values matching needs), because the
 * tests, objects and states a definition refers to come after all definitions.
 *
 * The vendor parsers (`redhat-oval/`, `suse-oval/`) classify criteria and build rows;
 * this module only reads and resolves:
 *
 * - `resolveRpmCriterion()` follows criterion → `rpminfo_test` → `rpminfo_object` name
 *   and `rpminfo_state` (`evr` + operation, `signature_keyid`, `version`).
 * - `evaluateCriteria()` walks an AND/OR tree: in an AND, the children made only of
 *   "context" criteria (platform or module checks) give the contexts under which the
 *   other children's package criteria apply; an OR of contexts gives alternatives.
 * Pure.
 */
import type { FeedParseResult } from '../../domain/advisory.js';
import { invalidDocument } from './json.js';
import { addProblem } from './result.js';
import { SafeXmlReader, TextCapture, type XmlElement } from './xml.js';

export const OVAL_DEFINITIONS_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';

// --- model ----------------------------------------------------------------------------

export interface OvalReference {
  source: string | null;
  refId: string | null;
  refUrl: string | null;
}

export interface OvalCve {
  /** Element text (`CVE-2023-25751`, SUSE: `CVE-2010-1323 at NVD`). */
  text: string | null;
  href: string | null;
  /** `7.5/CVSS:3.1/AV:N/…` (score/vector) as Red Hat and SUSE write it. */
  cvss3: string | null;
  cvss2: string | null;
  impact: string | null;
  cwe: string | null;
  public: string | null;
}

export interface OvalBugzilla {
  href: string | null;
  id: string | null;
  text: string | null;
}

/** Red Hat "including unpatched" definitions: `<affected><resolution state="Will not fix"><component>…`. */
export interface OvalResolution {
  state: string;
  components: string[];
}

export interface OvalAdvisory {
  from: string | null;
  severity: string | null;
  issued: string | null;
  updated: string | null;
  cves: OvalCve[];
  bugzillas: OvalBugzilla[];
  cpes: string[];
  resolutions: OvalResolution[];
}

export interface OvalCriterion {
  kind: 'criterion';
  testRef: string | null;
  comment: string | null;
  negate: boolean;
}

export interface OvalExtendDefinition {
  kind: 'extend_definition';
  definitionRef: string | null;
  comment: string | null;
  negate: boolean;
}

export interface OvalCriteria {
  kind: 'criteria';
  /** `AND` (the OVAL default), `OR`, `ONE`, `XOR`. */
  operator: string;
  negate: boolean;
  children: OvalCriteriaNode[];
}

export type OvalCriteriaNode = OvalCriteria | OvalCriterion | OvalExtendDefinition;

export interface OvalDefinition {
  id: string | null;
  class: string | null;
  title: string | null;
  platforms: string[];
  references: OvalReference[];
  description: string | null;
  advisory: OvalAdvisory | null;
  criteria: OvalCriteria | null;
  /** 0-based position among the document's definitions, for problems of definitions without id. */
  index: number;
}

export interface OvalTest {
  id: string;
  /** Local element name: `rpminfo_test`, `rpmverifyfile_test`, `textfilecontent54_test`… */
  kind: string;
  comment: string | null;
  check: string | null;
  checkExistence: string | null;
  objectRef: string | null;
  stateRefs: string[];
}

export interface OvalObject {
  id: string;
  kind: string;
  name: string | null;
  nameVarRef: string | null;
}

export interface OvalStateField {
  value: string;
  operation: string | null;
  datatype: string | null;
}

export interface OvalState {
  id: string;
  kind: string;
  /** Child elements by local name: `evr`, `version`, `arch`, `signature_keyid`… */
  fields: Record<string, OvalStateField>;
}

export interface OvalDocument {
  generator: { productName: string | null; timestamp: string | null };
  definitions: OvalDefinition[];
  tests: Map<string, OvalTest>;
  objects: Map<string, OvalObject>;
  states: Map<string, OvalState>;
}

// --- reading ----------------------------------------------------------------------------

/** Incremental reader: `write()` chunks, then `end()` for the document. */
export class OvalReader {
  private readonly xml: SafeXmlReader;
  private readonly doc: OvalDocument = {
    generator: { productName: null, timestamp: null },
    definitions: [],
    tests: new Map(),
    objects: new Map(),
    states: new Map(),
  };
  private readonly stack: string[] = [];
  private readonly text = new TextCapture();
  private rootSeen = false;
  private def: OvalDefinition | null = null;
  private defDepth = -1;
  private criteriaStack: OvalCriteria[] = [];
  private cve: OvalCve | null = null;
  private bug: OvalBugzilla | null = null;
  private resolution: OvalResolution | null = null;
  private test: OvalTest | null = null;
  private object: OvalObject | null = null;
  private state: OvalState | null = null;
  private field: { name: string; operation: string | null; datatype: string | null } | null = null;

  constructor(private readonly feed: string) {
    this.xml = new SafeXmlReader(feed, {
      open: (el) => {
        this.open(el);
      },
      close: (el) => {
        this.close(el);
      },
      text: (t) => {
        this.text.add(t);
      },
    });
  }

  write(chunk: string | Uint8Array): void {
    if (typeof chunk === 'string') this.xml.writeText(chunk);
    else this.xml.writeBytes(chunk);
  }

  writeAll(input: string | Uint8Array): void {
    this.xml.writeAll(input);
  }

  end(): OvalDocument {
    this.xml.close();
    if (!this.rootSeen) throw invalidDocument(this.feed, 'no root element');
    return this.doc;
  }

  private parent(n = 1): string | undefined {
    return this.stack[this.stack.length - 1 - n];
  }

  private open(el: XmlElement): void {
    const name = el.local;
    if (!this.rootSeen) {
      this.rootSeen = true;
      if (name !== 'oval_definitions') {
        throw invalidDocument(this.feed, `the root element is <${name}>, not <oval_definitions>`);
      }
      if (el.uri !== OVAL_DEFINITIONS_NS) {
        throw invalidDocument(this.feed, `<oval_definitions> is in namespace "${el.uri}", not ${OVAL_DEFINITIONS_NS}`);
      }
    }
    this.stack.push(name);
    const a = el.attrs;

    if (this.def !== null) {
      this.openInDefinition(el);
      return;
    }
    if (name === 'definition' && this.stack.includes('definitions')) {
      this.def = {
        id: a.id ?? null,
        class: a.class ?? null,
        title: null,
        platforms: [],
        references: [],
        description: null,
        advisory: null,
        criteria: null,
        index: this.doc.definitions.length,
      };
      this.defDepth = this.stack.length;
      return;
    }
    if (this.stack.includes('generator') && (name === 'product_name' || name === 'timestamp')) {
      this.text.start();
      return;
    }
    // Tests, objects and states: recognised by their suffix wherever they are (SUSE's excerpt
    // has its states in a <state> container instead of <states>).
    if (this.test !== null) {
      if (name === 'object') this.test.objectRef = a.object_ref ?? null;
      else if (name === 'state' && a.state_ref !== undefined) this.test.stateRefs.push(a.state_ref);
      return;
    }
    if (this.object !== null) {
      if (name === 'name' && this.parent() === this.object.kind) {
        this.object.nameVarRef = a.var_ref ?? null;
        this.text.start();
      }
      return;
    }
    if (this.state !== null) {
      if (this.parent() === this.state.kind) {
        this.field = { name, operation: a.operation ?? null, datatype: a.datatype ?? null };
        this.text.start();
      }
      return;
    }
    const id = a.id;
    if (id === undefined) return;
    if (name.endsWith('_test')) {
      this.test = {
        id,
        kind: name,
        comment: a.comment ?? null,
        check: a.check ?? null,
        checkExistence: a.check_existence ?? null,
        objectRef: null,
        stateRefs: [],
      };
    } else if (name.endsWith('_object')) {
      this.object = { id, kind: name, name: null, nameVarRef: null };
    } else if (name.endsWith('_state')) {
      this.state = { id, kind: name, fields: {} };
    }
  }

  private openInDefinition(el: XmlElement): void {
    const def = this.def!;
    const name = el.local;
    const a = el.attrs;
    const parent = this.parent();
    switch (name) {
      case 'title':
      case 'description':
        if (parent === 'metadata') this.text.start();
        return;
      case 'platform':
        this.text.start();
        return;
      case 'reference':
        if (parent === 'metadata') {
          def.references.push({ source: a.source ?? null, refId: a.ref_id ?? null, refUrl: a.ref_url ?? null });
        }
        return;
      case 'advisory':
        def.advisory = { from: a.from ?? null, severity: null, issued: null, updated: null, cves: [], bugzillas: [], cpes: [], resolutions: [] };
        return;
      case 'severity':
        if (parent === 'advisory') this.text.start();
        return;
      case 'issued':
        if (def.advisory !== null && parent === 'advisory') def.advisory.issued = a.date ?? null;
        return;
      case 'updated':
        if (def.advisory !== null && parent === 'advisory') def.advisory.updated = a.date ?? null;
        return;
      case 'cve':
        if (parent === 'advisory') {
          this.cve = {
            text: null,
            href: a.href ?? null,
            cvss3: a.cvss3 ?? null,
            cvss2: a.cvss2 ?? null,
            impact: a.impact ?? null,
            cwe: a.cwe ?? null,
            public: a.public ?? null,
          };
          this.text.start();
        }
        return;
      case 'bugzilla':
        if (parent === 'advisory') {
          this.bug = { href: a.href ?? null, id: a.id ?? null, text: null };
          this.text.start();
        }
        return;
      case 'cpe':
        if (parent === 'affected_cpe_list') this.text.start();
        return;
      case 'resolution':
        this.resolution = { state: a.state ?? '', components: [] };
        return;
      case 'component':
        if (this.resolution !== null) this.text.start();
        return;
      case 'criteria': {
        const c: OvalCriteria = { kind: 'criteria', operator: (a.operator ?? 'AND').toUpperCase(), negate: a.negate === 'true', children: [] };
        const top = this.criteriaStack[this.criteriaStack.length - 1];
        if (top !== undefined) top.children.push(c);
        else if (parent === 'definition' && def.criteria === null) def.criteria = c;
        this.criteriaStack.push(c);
        return;
      }
      case 'criterion':
        this.criteriaStack[this.criteriaStack.length - 1]?.children.push({
          kind: 'criterion',
          testRef: a.test_ref ?? null,
          comment: a.comment ?? null,
          negate: a.negate === 'true',
        });
        return;
      case 'extend_definition':
        this.criteriaStack[this.criteriaStack.length - 1]?.children.push({
          kind: 'extend_definition',
          definitionRef: a.definition_ref ?? null,
          comment: a.comment ?? null,
          negate: a.negate === 'true',
        });
        return;
      default:
        return;
    }
  }

  private close(el: XmlElement): void {
    const name = el.local;
    const depth = this.stack.length;
    this.stack.pop();
    if (this.def !== null) {
      this.closeInDefinition(name, depth);
      return;
    }
    if (name === 'product_name' && this.text.active) this.doc.generator.productName = this.text.end();
    else if (name === 'timestamp' && this.text.active) this.doc.generator.timestamp = this.text.end();
    else if (this.test !== null && name === this.test.kind) {
      this.doc.tests.set(this.test.id, this.test);
      this.test = null;
    } else if (this.object !== null) {
      if (name === this.object.kind) {
        this.doc.objects.set(this.object.id, this.object);
        this.object = null;
      } else if (name === 'name' && this.text.active) this.object.name = this.text.end();
    } else if (this.state !== null) {
      if (name === this.state.kind) {
        this.doc.states.set(this.state.id, this.state);
        this.state = null;
      } else if (this.field !== null && name === this.field.name) {
        const value = this.text.end();
        if (value !== null) this.state.fields[name] = { value, operation: this.field.operation, datatype: this.field.datatype };
        this.field = null;
      }
    }
  }

  private closeInDefinition(name: string, depth: number): void {
    const def = this.def!;
    if (depth === this.defDepth && name === 'definition') {
      this.doc.definitions.push(def);
      this.def = null;
      this.defDepth = -1;
      this.criteriaStack = [];
      return;
    }
    switch (name) {
      case 'title':
        if (this.text.active) def.title = this.text.end();
        return;
      case 'description':
        if (this.text.active) def.description = this.text.end();
        return;
      case 'platform': {
        const t = this.text.end();
        if (t !== null) def.platforms.push(t);
        return;
      }
      case 'severity':
        if (this.text.active && def.advisory !== null) def.advisory.severity = this.text.end();
        return;
      case 'cve':
        if (this.cve !== null) {
          this.cve.text = this.text.end();
          def.advisory?.cves.push(this.cve);
          this.cve = null;
        }
        return;
      case 'bugzilla':
        if (this.bug !== null) {
          this.bug.text = this.text.end();
          def.advisory?.bugzillas.push(this.bug);
          this.bug = null;
        }
        return;
      case 'cpe': {
        if (!this.text.active) return;
        const t = this.text.end();
        if (t !== null) def.advisory?.cpes.push(t);
        return;
      }
      case 'component': {
        if (!this.text.active) return;
        const t = this.text.end();
        if (t !== null) this.resolution?.components.push(t);
        return;
      }
      case 'resolution':
        if (this.resolution !== null) def.advisory?.resolutions.push(this.resolution);
        this.resolution = null;
        return;
      case 'criteria':
        this.criteriaStack.pop();
        return;
      default:
        return;
    }
  }
}

/** Reads a whole OVAL document (string or UTF-8 bytes). */
export function readOval(input: string | Uint8Array, feed: string): OvalDocument {
  const r = new OvalReader(feed);
  r.writeAll(input);
  return r.end();
}

/** Reads an OVAL document from chunks (e.g. a decompression stream), without holding the text. */
export async function readOvalStream(chunks: AsyncIterable<string | Uint8Array>, feed: string): Promise<OvalDocument> {
  const r = new OvalReader(feed);
  for await (const c of chunks) r.write(c);
  return r.end();
}

// --- resolving --------------------------------------------------------------------------

/** What an rpm criterion checks, after following test → object and states. */
export type RpmCheck =
  /** The package's EVR compared with a value: `less than` = fixed in that EVR. */
  | { kind: 'evr'; name: string; operation: string; evr: string; arch: string | null }
  /** A `version` (not EVR) comparison; SUSE writes "not affected" as `version equals 0`. */
  | { kind: 'version'; name: string; operation: string; value: string }
  /** A signature-key check (Red Hat's "signed with Red Hat redhatrelease2 key"). */
  | { kind: 'signature'; name: string }
  /** Installed or not, nothing else. */
  | { kind: 'exists'; name: string; exists: boolean };

export type RpmResolution =
  | { ok: true; check: RpmCheck }
  /** `missing`: the test is not in the document (stripped excerpts); `other`: something we do not read. */
  | { ok: false; why: 'missing' | 'other'; message: string };

/** Follows a criterion's `rpminfo_test` to the object's package name and the states' values. */
export function resolveRpmCriterion(doc: OvalDocument, c: OvalCriterion): RpmResolution {
  if (c.testRef === null) return { ok: false, why: 'other', message: 'criterion has no test_ref' };
  const test = doc.tests.get(c.testRef);
  if (test === undefined) return { ok: false, why: 'missing', message: `test ${c.testRef} is not in the document` };
  if (test.kind !== 'rpminfo_test') return { ok: false, why: 'other', message: `test ${test.id} is a ${test.kind}, not an rpminfo_test` };
  const obj = test.objectRef === null ? undefined : doc.objects.get(test.objectRef);
  if (obj === undefined) return { ok: false, why: 'other', message: `test ${test.id}: object ${test.objectRef ?? '(none)'} is not in the document` };
  if (obj.name === null) {
    return { ok: false, why: 'other', message: `object ${obj.id} has no literal package name${obj.nameVarRef === null ? '' : ` (variable ${obj.nameVarRef})`}` };
  }
  const name = obj.name;
  if (test.stateRefs.length === 0) {
    return { ok: true, check: { kind: 'exists', name, exists: test.checkExistence !== 'none_exist' } };
  }
  let signature = false;
  for (const ref of test.stateRefs) {
    const st = doc.states.get(ref);
    if (st === undefined) return { ok: false, why: 'other', message: `test ${test.id}: state ${ref} is not in the document` };
    const evr = st.fields.evr;
    if (evr !== undefined) {
      const arch = st.fields.arch?.value ?? null;
      return { ok: true, check: { kind: 'evr', name, operation: evr.operation ?? 'equals', evr: evr.value, arch } };
    }
    const version = st.fields.version;
    if (version !== undefined) return { ok: true, check: { kind: 'version', name, operation: version.operation ?? 'equals', value: version.value } };
    if (st.fields.signature_keyid !== undefined) signature = true;
  }
  if (signature) return { ok: true, check: { kind: 'signature', name } };
  return { ok: false, why: 'other', message: `test ${test.id}: its states compare no evr, version or signature` };
}

// --- criteria trees -------------------------------------------------------------------------

export type LeafClass<C, P> =
  /** A platform/module check: contributes context to package criteria beside it. */
  | { kind: 'context'; ctx: Partial<C> }
  /** A package check, evaluated under each context in effect. */
  | { kind: 'package'; pkg: P }
  /** Not relevant for matching (signature checks, "must be installed"). */
  | { kind: 'ignore' };

/**
 * Walks a criteria tree and calls `emit(pkg, contexts)` for every package criterion with
 * the contexts in effect (each a merge of the context criteria of the enclosing ANDs; an
 * OR of context criteria gives one context per alternative). Negated nodes are skipped and
 * reported through `skip`.
 */
export function evaluateCriteria<C extends object, P>(
  root: OvalCriteria,
  classify: (c: OvalCriterion | OvalExtendDefinition) => LeafClass<C, P>,
  emit: (pkg: P, contexts: readonly Partial<C>[]) => void,
  skip: (what: string) => void,
): void {
  const leafCache = new Map<OvalCriterion | OvalExtendDefinition, LeafClass<C, P>>();
  const leaf = (n: OvalCriterion | OvalExtendDefinition): LeafClass<C, P> => {
    let r = leafCache.get(n);
    if (r === undefined) {
      r = classify(n);
      leafCache.set(n, r);
    }
    return r;
  };
  const contextOnly = (n: OvalCriteriaNode): boolean => {
    if (n.kind !== 'criteria') return !n.negate && leaf(n).kind === 'context';
    return !n.negate && n.children.length > 0 && n.children.every((c) => contextOnly(c));
  };
  const alternatives = (n: OvalCriteriaNode): Partial<C>[] => {
    if (n.kind !== 'criteria') {
      const l = leaf(n);
      return l.kind === 'context' ? [l.ctx] : [{}];
    }
    if (n.operator === 'AND') {
      let acc: Partial<C>[] = [{}];
      for (const c of n.children) acc = cross(acc, alternatives(c));
      return acc;
    }
    return n.children.flatMap((c) => alternatives(c));
  };
  const walk = (n: OvalCriteriaNode, inherited: Partial<C>[]): void => {
    if (n.negate) {
      skip(n.kind === 'criteria' ? `negated ${n.operator} criteria` : `negated criterion "${n.comment ?? ''}"`);
      return;
    }
    if (n.kind !== 'criteria') {
      const l = leaf(n);
      if (l.kind === 'package') emit(l.pkg, inherited);
      return;
    }
    if (n.operator === 'AND') {
      let ctxs = inherited;
      for (const c of n.children) if (contextOnly(c)) ctxs = cross(ctxs, alternatives(c));
      for (const c of n.children) if (!contextOnly(c)) walk(c, ctxs);
      return;
    }
    for (const c of n.children) if (!contextOnly(c)) walk(c, inherited);
  };
  walk(root, [{}]);
}

function cross<C extends object>(a: readonly Partial<C>[], b: readonly Partial<C>[]): Partial<C>[] {
  const out: Partial<C>[] = [];
  for (const x of a) for (const y of b) out.push({ ...x, ...y });
  return out;
}

// --- small helpers shared by the vendor parsers ------------------------------------------

/** `7.5/CVSS:3.1/AV:N/…` → score and vector; null when not in that form. */
export function splitScoredVector(s: string): { score: number; vector: string } | null {
  const slash = s.indexOf('/');
  if (slash <= 0) return null;
  const score = Number(s.slice(0, slash));
  const vector = s.slice(slash + 1);
  if (!Number.isFinite(score) || vector === '') return null;
  return { score, vector };
}

/** Counts things per label and reports them as one problem (`what: a (2), b (1)`), so repeats do not flood `problems`. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  get size(): number {
    return this.counts.size;
  }

  report(out: FeedParseResult, record: string, what: string, limit = 20): void {
    if (this.counts.size === 0) return;
    const entries = [...this.counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const shown = entries.slice(0, limit).map(([k, n]) => `${k} (${n})`);
    const more = entries.length > limit ? ` and ${entries.length - limit} more` : '';
    addProblem(out, record, `${what}: ${shown.join(', ')}${more}`);
  }
}
