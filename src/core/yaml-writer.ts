import { Yaml } from 'cdk8s';
import * as YAML from 'yaml';

// A fast YAML emitter for plain JSON-like data that writes exactly what the `yaml` package (v2, bundled)
// writes with `indent: 2, lineWidth: 0`. Maps, sequences and the common strings are written directly;
// every string the emitter is not certain `yaml` writes plain (quoted, block scalars, look-alikes of
// numbers, booleans, null or dates, unicode, ...) is rendered by `yaml` itself, once, and re-indented for
// its depth. A value the emitter does not cover (a shared object `yaml` would alias, a class instance, a
// scalar at the root, ...) is rendered by `yaml` whole. `yamlWriter.fast = false` (or the environment
// variable PLATFORM_PIPELINE_YAML_WRITER=yaml) renders everything with `yaml`, for comparison.

/**
 * The YAML options of a call site that are not `indent: 2, lineWidth: 0`; each is `yaml`'s option.
 * @internal
 */
export interface YamlWriterOptions {
  /** The YAML version whose schema decides which strings need quotes. Default '1.2' (cdk8s writes '1.1'). */
  readonly version?: '1.1' | '1.2';
  /** Map entries whose value is `undefined` are written as null instead of left out. Default false. */
  readonly keepUndefined?: boolean;
  /** An object reached twice is written as an anchor and aliases. Default true. */
  readonly aliasDuplicateObjects?: boolean;
  /**
   * A line comment after a map entry whose value is a scalar (`uses: x # v1`), as a comment set on the
   * value node of a `yaml` document writes it; undefined or '' for none.
   */
  readonly comment?: (key: string, value: unknown) => string | undefined;
}

/**
 * Whether the fast writer is used (true) or every document is rendered by `yaml` (false).
 * @internal
 */
export const yamlWriter: { fast: boolean } = { fast: process.env.PLATFORM_PIPELINE_YAML_WRITER !== 'yaml' };

/**
 * `YAML.stringify(value, { indent: 2, lineWidth: 0, ...options })`, written by the fast writer when it
 * covers the value (and `yamlWriter.fast`), else by `yaml`.
 * @internal
 */
export function stringifyYaml(value: unknown, options: YamlWriterOptions = {}): string {
  const fast = yamlWriter.fast ? writeYaml(value, options) : undefined;
  return fast ?? YAML.stringify(value, yamlOptions(options));
}

/**
 * cdk8s's `Yaml.stringify(...docs)` (cdk8s 2.x: each document `YAML.stringify`d with YAML 1.1,
 * `keepUndefined`, `lineWidth: 0`; an undefined document is an empty line; separated by `---`). A
 * document the fast writer does not cover is written by cdk8s (with the yaml it bundles), as before.
 * @internal
 */
export function stringifyCdk8sDocuments(docs: readonly unknown[]): string {
  if (!yamlWriter.fast) return Yaml.stringify(...docs);
  return docs.map((d) => d === undefined ? '\n' : writeYaml(d, CDK8S) ?? Yaml.stringify(d)).join('---\n');
}

const CDK8S: YamlWriterOptions = { version: '1.1', keepUndefined: true };

/**
 * The fast writer alone: the text `YAML.stringify` writes for `value` with these options (a line comment
 * as `YamlWriterOptions.comment` says), or undefined when the value is not one it covers.
 * @internal
 */
export function writeYaml(value: unknown, options: YamlWriterOptions = {}): string | undefined {
  const emitter = emitterFor(options);
  try {
    return emitter.document(value, options.comment);
  } catch (e) {
    if (e === UNSUPPORTED) return undefined;
    throw e;
  }
}

/** The options `yaml` is called with: exactly the call site's (an unset option is yaml's default). */
function yamlOptions(options: YamlWriterOptions): YAML.DocumentOptions & YAML.SchemaOptions & YAML.ToStringOptions & YAML.CreateNodeOptions {
  return {
    indent: 2,
    lineWidth: 0,
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.keepUndefined !== undefined ? { keepUndefined: options.keepUndefined } : {}),
    ...(options.aliasDuplicateObjects !== undefined ? { aliasDuplicateObjects: options.aliasDuplicateObjects } : {}),
  };
}

/** Thrown inside the emitter for a value it leaves to `yaml`. */
const UNSUPPORTED = new Error('value not covered by the fast YAML writer');

/** One emitter (and its caches) per combination of options. */
const EMITTERS = new Map<string, Emitter>();

function emitterFor(options: YamlWriterOptions): Emitter {
  const version = options.version ?? '1.2';
  const keepUndefined = options.keepUndefined ?? false;
  const alias = options.aliasDuplicateObjects ?? true;
  const id = `${version}|${keepUndefined}|${alias}`;
  let emitter = EMITTERS.get(id);
  if (!emitter) {
    emitter = new Emitter(version, keepUndefined, alias);
    EMITTERS.set(id, emitter);
  }
  return emitter;
}

// Strings written without asking `yaml`, by the rules of yaml 2's stringifyString (stringify/
// stringifyString.js), for a value or key below the root, outside flow collections, with lineWidth 0:
// - one line of printable ASCII: quoted when yaml's plainString pattern (YAML_QUOTES, copied) or a tag
//   test of the schema (the schema's own regular expressions) matches, in single quotes when it has a `"`
//   and no `'`, else JSON's double quotes (no escape but `\"` and `\\` can occur); plain when neither
//   matches and it has no document marker and does not start like a number or a YAML 1.1 word
//   (LOOKS_TYPED, our own coarser test); anything else is asked of `yaml`;
// - several lines of printable ASCII and tabs, not ending in a line of blanks: a literal block scalar
//   (blockString with `literal`, its chomping and indentation indicator), ported below.
const PRINTABLE_ASCII = /^[ -~]*$/;
const PRINTABLE_ASCII_LINES = /^[\t\n -~]*$/;
const YAML_QUOTES = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
const LOOKS_TYPED = /^[-+]?\.?[0-9]|^[-+]?\.(inf|nan)$|^(y|n|yes|no|true|false|on|off|null|~|<<)$/i;
const BLOCK_ENDS_IN_BLANK_LINE = /\n[\t ]+$/;
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;
const MAX_FAST_LENGTH = 1000;
const MAX_DEPTH = 500;
const CACHE_LIMIT = 20000;

/** Its depth in spaces: the pair/item indentation `yaml` renders a scalar at (`ctx.indent`). */
type Indent = string;

class Emitter {
  private readonly yamlOptions: ReturnType<typeof yamlOptions>;
  private readonly typed: RegExp;
  /** Delegated string renderings at indent '  ' (a value of the root map), by string. */
  private readonly strings = new Map<string, string>();
  /** Rendered keys, by key. */
  private readonly keys = new Map<string, string>();
  /** Renderings of numbers, booleans and null (never multi-line). */
  private readonly others = new Map<unknown, string>();
  private readonly nullText: string;
  private seen: Set<object> | undefined;
  private comment: ((key: string, value: unknown) => string | undefined) | undefined;

  constructor(private readonly version: '1.1' | '1.2', private readonly keepUndefined: boolean, private readonly alias: boolean) {
    this.yamlOptions = yamlOptions({ version, keepUndefined, aliasDuplicateObjects: alias });
    const schema = new YAML.Document(null, { version }).schema as unknown as { tags: any[]; compat: any[] | null };
    // yaml's test in plainString: a default tag other than str whose `test` matches; one anchored
    // alternation of those regular expressions (none has flags)
    const tests = [...schema.tags, ...(schema.compat ?? [])]
      .filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test)
      .map((t) => t.test as RegExp);
    if (tests.some((t) => !(t instanceof RegExp) || t.flags !== '')) throw new Error('yaml schema tag tests changed: review src/core/yaml-writer.ts');
    this.typed = new RegExp(`^(?:${tests.map((t) => `(?:${t.source})`).join('|')})`);
    this.nullText = this.other(null);
  }

  public document(value: unknown, comment?: (key: string, value: unknown) => string | undefined): string {
    if (value === null || typeof value !== 'object') throw UNSUPPORTED; // a scalar document: left to yaml
    this.seen = this.alias ? new Set() : undefined;
    this.comment = comment;
    try {
      return this.node(value, '', 0) + '\n';
    } finally {
      this.seen = undefined;
      this.comment = undefined;
    }
  }

  /** A node whose scalar rendering (or collection items) sits at `indent`; its first line unindented. */
  private node(value: unknown, indent: Indent, depth: number): string {
    if (value === null || typeof value !== 'object') return this.scalar(value, indent);
    if (depth > MAX_DEPTH) throw UNSUPPORTED;
    if (this.seen) {
      if (this.seen.has(value)) throw UNSUPPORTED; // yaml writes an alias
      this.seen.add(value);
    }
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) throw UNSUPPORTED;
      return this.seq(value, indent, depth);
    }
    if (value instanceof Map) {
      // a JS Map is a map in YAML 1.2 (an !!omap in 1.1); string keys only
      if (this.version !== '1.2') throw UNSUPPORTED;
      for (const k of value.keys()) if (typeof k !== 'string') throw UNSUPPORTED;
      return this.map(value as Map<string, unknown>, indent, depth);
    }
    const proto = Object.getPrototypeOf(value);
    if ((proto !== Object.prototype && proto !== null) || typeof (value as any).toJSON === 'function') throw UNSUPPORTED;
    return this.map(value as Record<string, unknown>, indent, depth);
  }

  private seq(items: readonly unknown[], indent: Indent, depth: number): string {
    if (items.length === 0) return '[]';
    const itemIndent = indent + '  ';
    let out = '';
    for (let i = 0; i < items.length; i++) {
      // a hole or undefined item is yaml's Scalar(undefined): null
      const item = items[i];
      const text = item === undefined ? this.nullText : this.node(item, itemIndent, depth + 1);
      out += i === 0 ? `- ${text}` : `\n${indent}- ${text}`;
    }
    return out;
  }

  private map(entries: Record<string, unknown> | Map<string, unknown>, indent: Indent, depth: number): string {
    const pairIndent = indent + '  ';
    let out = '';
    let first = true;
    const add = (key: string, value: unknown) => {
      if (value === undefined && !this.keepUndefined) return;
      const line = this.pair(key, value, pairIndent, depth);
      out += first ? line : `\n${indent}${line}`;
      first = false;
    };
    if (entries instanceof Map) {
      for (const [k, v] of entries) add(k, v);
    } else {
      for (const k of Object.keys(entries)) add(k, entries[k]);
    }
    return first ? '{}' : out;
  }

  private pair(key: string, value: unknown, pairIndent: Indent, depth: number): string {
    const head = this.key(key);
    if (value !== null && typeof value === 'object') {
      const body = this.node(value, pairIndent, depth + 1);
      // an empty collection stays on the key's line (`{}`/`[]`), any other goes below it
      return body === '{}' || body === '[]' ? `${head}: ${body}` : `${head}:\n${pairIndent}${body}`;
    }
    let line = `${head}: ${value === undefined ? this.nullText : this.scalar(value, pairIndent)}`;
    const comment = this.comment?.(key, value);
    if (comment) {
      // yaml's lineComment with its default commentString, for a one-line value and comment
      if (line.includes('\n') || !PRINTABLE_ASCII.test(comment)) throw UNSUPPORTED;
      line += `${line.endsWith(' ') ? '' : ' '}# ${comment}`;
    }
    return line;
  }

  private scalar(value: unknown, indent: Indent): string {
    switch (typeof value) {
      case 'string':
        return this.string(value, indent);
      case 'number':
        return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : this.other(value);
      case 'boolean':
        return this.other(value);
      case 'undefined':
        return this.nullText;
      default:
        if (value === null) return this.nullText;
        throw UNSUPPORTED; // bigint, symbol, function
    }
  }

  /** The string as a key or value at any depth below the root, or undefined when yaml is to be asked. */
  private direct(s: string): string | undefined {
    // `<<` is YAML 1.1's merge key: yaml's merge tag writes that string, not its string tag
    if (s === '<<') return undefined;
    if (!s.includes('\n')) {
      if (!PRINTABLE_ASCII.test(s)) return undefined;
      if (YAML_QUOTES.test(s) || this.typed.test(s)) {
        return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
      }
      return DOCUMENT_MARKER.test(s) || LOOKS_TYPED.test(s) ? undefined : s;
    }
    return undefined;
  }

  private string(s: string, indent: Indent): string {
    const direct = this.direct(s);
    if (direct !== undefined) return direct;
    if (s.includes('\n') && PRINTABLE_ASCII_LINES.test(s) && !BLOCK_ENDS_IN_BLANK_LINE.test(s)) return literalBlock(s, indent);
    let base = this.strings.get(s);
    if (base === undefined) {
      // yaml's rendering as a value of the root map: a value at indent '  '
      const out = YAML.stringify({ k: s }, this.yamlOptions);
      if (!out.startsWith('k: ') || !out.endsWith('\n')) throw UNSUPPORTED;
      base = out.slice(3, -1);
      // every non-empty line after the first carries the value's indentation, nothing else does
      for (const line of base.split('\n').slice(1)) if (line !== '' && !line.startsWith('  ')) throw UNSUPPORTED;
      remember(this.strings, s, base);
    }
    if (indent === '  ' || !base.includes('\n')) return base;
    // at a deeper level, each of those lines is indented by the same number of spaces more
    return base.replace(/\n(?!\n|$)/g, `\n${indent.slice(2)}`);
  }

  private key(key: string): string {
    // yaml quotes a key with a document marker at the first level only, and writes `<<` as a merge key
    if (DOCUMENT_MARKER.test(key) || key === '<<') throw UNSUPPORTED;
    // (a key over 1024 characters is written as an explicit key `? `: asked of yaml)
    const direct = key.includes('\n') || key.length > MAX_FAST_LENGTH ? undefined : this.direct(key);
    if (direct !== undefined) return direct;
    let text = this.keys.get(key);
    if (text === undefined) {
      const out = YAML.stringify({ [key]: 0 }, this.yamlOptions);
      if (!out.endsWith(': 0\n') || out.startsWith('? ')) throw UNSUPPORTED;
      text = out.slice(0, -4);
      if (text.includes('\n') || text.length > 1024) throw UNSUPPORTED;
      remember(this.keys, key, text);
    }
    return text;
  }

  /** A number (other than a safe integer), boolean or null as yaml writes it. */
  private other(value: unknown): string {
    if (Object.is(value, -0)) return this.render(value);
    let text = this.others.get(value);
    if (text === undefined) {
      text = this.render(value);
      remember(this.others, value, text);
    }
    return text;
  }

  private render(value: unknown): string {
    const out = YAML.stringify(value, this.yamlOptions);
    if (!out.endsWith('\n') || out.indexOf('\n') !== out.length - 1) throw UNSUPPORTED;
    return out.slice(0, -1);
  }
}

/**
 * yaml's blockString for a literal block scalar at `indent` (not the root): chomping from the trailing
 * whitespace (`-` none, `|` one newline, `+` more), the indentation indicator 2 when the text starts with a
 * space, every run of line breaks followed by the indentation.
 */
function literalBlock(text: string, indent: Indent): string {
  let value = text;
  let endStart: number;
  for (endStart = value.length; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  const chomp = endNlPos === -1 ? '-' : value === end || endNlPos !== end.length - 1 ? '+' : '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd: number;
  let startNlPos = -1;
  for (startEnd = 0; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}

function remember<K>(cache: Map<K, string>, key: K, text: string): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, text);
}
