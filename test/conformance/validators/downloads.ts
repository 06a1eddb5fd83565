/**
 * A static, heuristic check that a shell script verifies what it downloads before using it.
 *
 * The script is tokenized like a POSIX shell would at the surface (quotes, `\` escapes, `$( )`,
 * comments, here-documents, `&&`/`||`/`;`/`|`/newline separators), then walked top to bottom:
 *
 * 1. **Piping a download into an interpreter or extractor**: `curl … | sh`, `wget -qO- … | bash`,
 *    `curl … | tar xz`, `bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`.
 * 2. **Unverified download to a file**: a `curl`/`wget` that writes a file (`-o`, `-O`, `--output`,
 *    `--output-document`, wget's default remote name, or a `>` redirect) must be followed by a checksum
 *    or signature check before the file is extracted (`tar`, `unzip`, …), installed (`install`,
 *    `dpkg -i`, `chmod +x`, `mv`/`cp` into a `bin` directory), sourced (`source`, `.`) or executed
 *    (`sh FILE`, `./FILE`). Accepted checks: `sha256sum -c`, `sha512sum -c`, `shasum -a 256|384|512 -c`
 *    (also `--check`), `cosign verify-blob`, `gpg --verify`/`gpgv`, `minisign -V`, and a `[`/`test`
 *    comparison of a `sha256sum`/`sha512sum` result. A check covers the downloaded files whose names
 *    occur in its pipeline (e.g. `grep ' x.tar.gz$' sums.txt | sha256sum -c -`); a check that names
 *    none of them (`sha256sum -c SHA256SUMS`) covers every download so far. `mv`/`cp` to a non-bin
 *    path carries the state over to the new name.
 * 3. **Unpinned URL**: a download URL containing `latest`, or without a version-looking segment
 *    (`1.2.3`, `v2`, a 40/64-hex digest, or a `$…VERSION`/`$…TAG`/`$…SHA` variable).
 *
 * Known blind spots (it is a heuristic, not a shell interpreter): control flow (loops, functions,
 * conditionals are read as straight-line code), variables are compared by their literal text, files
 * reached through other names than `mv`/`cp` or globbing, and downloads by other tools.
 */

/** One simple command of the script. */
interface Command {
  /** words with quotes removed (`$( )` kept verbatim) */
  readonly words: string[];
  /** `>`, `>>`, `&>` redirect targets */
  readonly outputs: string[];
  /** `<` redirect sources */
  readonly inputs: string[];
  /** 1-based line of the first word */
  readonly line: number;
  /** index of the pipeline the command belongs to */
  readonly pipeline: number;
}

const SEPARATORS = ['&&', '||', ';;', ';', '&', '|', '(', ')'];
/** Redirect operators, longest first; `kind` says what the following word is. */
const REDIRECTS: Array<{ re: RegExp; kind: 'out' | 'in' | 'skip' | 'heredoc' | 'none' }> = [
  { re: /^<<</, kind: 'skip' },
  { re: /^<<-?/, kind: 'heredoc' },
  { re: /^\d*[<>]&\d*-?/, kind: 'none' },
  { re: /^&>>?/, kind: 'out' },
  { re: /^[02-9]>>?\|?/, kind: 'skip' }, // stderr & co: not where a download goes
  { re: /^1?>>?\|?/, kind: 'out' },
  { re: /^\d*<(?!\()/, kind: 'in' },
];

/** Splits a script into simple commands (see the file comment for what is understood). */
function tokenize(script: string): Command[] {
  const commands: Command[] = [];
  const s = script.replace(/\r\n/g, '\n');
  let i = 0;
  let line = 1;
  let pipeline = 0;
  let cur = { words: [] as string[], outputs: [] as string[], inputs: [] as string[], line: 1 };
  let pending: 'out' | 'in' | 'skip' | undefined;
  const heredocs: Array<{ delim: string; strip: boolean }> = [];

  const endCommand = (sep: string): void => {
    if (cur.words.length > 0) commands.push({ ...cur, pipeline });
    cur = { words: [], outputs: [], inputs: [], line };
    pending = undefined;
    if (sep !== '|') pipeline++;
  };
  const pushWord = (w: string, at: number): void => {
    if (pending === 'out') {cur.outputs.push(w);} else if (pending === 'in') {cur.inputs.push(w);} else if (pending !== 'skip') {
      if (cur.words.length === 0) cur.line = at;
      cur.words.push(w);
    }
    pending = undefined;
  };
  const skipHeredocs = (): void => {
    while (heredocs.length > 0) {
      const { delim, strip } = heredocs.shift()!;
      for (;;) {
        const nl = s.indexOf('\n', i);
        const text = s.slice(i, nl === -1 ? s.length : nl);
        i = nl === -1 ? s.length : nl + 1;
        line++;
        if ((strip ? text.replace(/^\t+/, '') : text) === delim || nl === -1) break;
      }
    }
  };
  const countLines = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (s[k] === '\n') line++;
  };
  /** Reads a balanced `( … )` or `{ … }` starting at s[i] (the opening bracket). */
  const readBalanced = (open: string, close: string): string => {
    let depth = 0;
    const start = i;
    while (i < s.length) {
      const c = s[i];
      if (c === '\\') { i += 2; continue; }
      if (c === "'") { const e = s.indexOf("'", i + 1); i = e === -1 ? s.length : e + 1; continue; }
      if (c === open) depth++;
      if (c === close && --depth === 0) { i++; break; }
      i++;
    }
    countLines(start, i);
    return s.slice(start, i);
  };
  const readQuoted = (): string => { // s[i] is '
    const e = s.indexOf("'", i + 1);
    const end = e === -1 ? s.length : e;
    const text = s.slice(i + 1, end);
    countLines(i, end);
    i = end + 1;
    return text;
  };
  const readDoubleQuoted = (): string => { // s[i] is "
    let w = '';
    i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && '"\\$`'.includes(s[i + 1] ?? '')) { w += s[i + 1]; i += 2; continue; }
      if (s[i] === '$' && s[i + 1] === '(') { i++; w += '$' + readBalanced('(', ')'); continue; }
      if (s[i] === '\n') line++;
      w += s[i++];
    }
    i++;
    return w;
  };

  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '\\' && s[i + 1] === '\n') { i += 2; line++; continue; } // line continuation
    if (c === '#') { while (i < s.length && s[i] !== '\n') i++; continue; }
    if (c === '\n') { endCommand('\n'); i++; line++; skipHeredocs(); cur.line = line; continue; }
    const rest = s.slice(i, i + 4);
    const redir = s.startsWith('<(', i) || s.startsWith('>(', i) ? undefined : REDIRECTS.find((r) => r.re.test(rest));
    if (redir) {
      const op = redir.re.exec(rest)![0];
      i += op.length;
      if (redir.kind === 'heredoc') {
        while (s[i] === ' ' || s[i] === '\t') i++;
        const m = /^(['"]?)([\w.-]+)\1/.exec(s.slice(i));
        if (m) { heredocs.push({ delim: m[2], strip: op === '<<-' }); i += m[0].length; }
      } else if (redir.kind !== 'none') {
        pending = redir.kind;
      }
      continue;
    }
    const sep = SEPARATORS.find((op) => s.startsWith(op, i));
    if (sep) { endCommand(sep); i += sep.length; continue; }
    // a word
    const at = line;
    let w = '';
    while (i < s.length) {
      const d = s[i];
      if ((d === '<' || d === '>') && s[i + 1] === '(') { i++; w += d + readBalanced('(', ')'); continue; }
      if (/[\s;&|()<>]/.test(d)) break;
      if (d === '\\' && s[i + 1] === '\n') { i += 2; line++; continue; } // line continuation
      if (d === '\\') { w += s[i + 1] ?? ''; i += 2; continue; }
      if (d === "'") { w += readQuoted(); continue; }
      if (d === '"') { w += readDoubleQuoted(); continue; }
      if (d === '$' && s[i + 1] === '(') { i++; w += '$' + readBalanced('(', ')'); continue; }
      if (d === '$' && s[i + 1] === '{') { i++; w += '$' + readBalanced('{', '}'); continue; }
      if (d === '`') { const e = s.indexOf('`', i + 1); const end = e === -1 ? s.length : e; w += s.slice(i, end + 1); countLines(i, end); i = end + 1; continue; }
      w += d;
      i++;
    }
    pushWord(w, at);
  }
  endCommand('\n');
  return commands;
}

const PREFIX_WORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'time', 'exec', 'command', 'nohup', 'fi', 'done', 'esac']);

/** Drops control keywords, `VAR=value` assignments and `sudo`/`env` wrappers in front of the command. */
function stripPrefix(words: string[]): string[] {
  let w = words;
  for (;;) {
    if (w.length === 0) return w;
    const first = w[0];
    if (PREFIX_WORDS.has(first) || /^[A-Za-z_]\w*=/.test(first)) { w = w.slice(1); continue; }
    if (first === 'sudo' || first === 'env') {
      w = w.slice(1);
      while (w.length > 0 && (w[0].startsWith('-') || /^[A-Za-z_]\w*=/.test(w[0]))) w = w.slice(/^-[ugCD]$/.test(w[0]) ? 2 : 1);
      continue;
    }
    return w;
  }
}

const basename = (p: string): string => p.replace(/\/+$/, '').split('/').pop() ?? p;
const cmdName = (w: string): string => basename(w);

const CURL_ARG_SHORT = new Set('oHduAexmwXTbcKErCYyzFUQtP'.split(''));
const WGET_ARG_SHORT = new Set('OoaPtTwUeiBQlARDIX'.split(''));
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'python', 'python3', 'perl', 'ruby', 'node', 'pwsh']);
const BIN_DIR = /(^|\/)s?bin(\/|$)|^\/usr\/local\/|^\/opt\//;
const EXTRACTORS = new Set(['tar', 'unzip', 'funzip', 'gunzip', 'bunzip2', 'unxz', 'zcat', 'bsdtar', '7z', 'cpio']);

/** How a `curl`/`wget` invocation delivers its download. */
interface Download { url?: string; file?: string; toStdout: boolean }

/** Parses the options of a curl or wget command (words after the command name). */
function parseDownload(tool: 'curl' | 'wget', args: string[], outputs: string[]): Download {
  const argShort = tool === 'curl' ? CURL_ARG_SHORT : WGET_ARG_SHORT;
  const outShort = tool === 'curl' ? 'o' : 'O';
  let file: string | undefined;
  let remoteName = tool === 'wget';
  const positional: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a === '--') { positional.push(...args.slice(k + 1)); break; }
    if (a.startsWith('--')) {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      const isOut = tool === 'curl' ? name === '--output' : name === '--output-document';
      if (isOut) { file = inline ?? args[++k]; continue; }
      if (tool === 'curl' && name === '--remote-name') { remoteName = true; continue; }
      // long options that take a separate argument: assume any long option followed by a non-option
      // that is not a URL is an argument (good enough for --retry 3, --header X, --max-time 10)
      if (inline === undefined && k + 1 < args.length && !args[k + 1].startsWith('-') && !/:\/\//.test(args[k + 1])
        && !/^--(fail|silent|show-error|location|insecure|compressed|quiet|no-verbose|progress-bar|create-dirs|remote-name-all|no-clobber|continue)$/.test(name)) k++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        if (tool === 'curl' && ch === 'O') { remoteName = true; continue; }
        if (argShort.has(ch)) {
          const value = j + 1 < a.length ? a.slice(j + 1) : args[++k];
          if (ch === outShort) file = value;
          break;
        }
      }
      continue;
    }
    positional.push(a);
  }
  const url = positional.find((p) => /:\/\//.test(p)) ?? positional[0];
  if (outputs.length > 0) file = outputs[outputs.length - 1];
  if (file === '-' || file === '/dev/stdout') return { url, toStdout: true };
  if (file === '/dev/null') return { url, toStdout: false };
  if (file !== undefined) return { url, file, toStdout: false };
  if (remoteName && url) {
    const name = basename(url.replace(/[?#].*$/, ''));
    return { url, file: name || 'index.html', toStdout: false };
  }
  return { url, toStdout: true };
}

const VERSIONISH = [
  /(?:^|[/\-_=@.v])v?\d+(?:\.\d+)+/, // 1.2.3, v1.2, -1.33.9
  /\/v\d+(?:[/\-_.]|$)/, // /v2/
  /\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b/, // commit or digest
  /\$\{?[A-Za-z_]*(?:VERSION|VER|TAG|SHA|DIGEST|RELEASE)[A-Za-z_]*\}?/i, // $HELM_VERSION
];

function urlFindings(url: string | undefined, line: number): string[] {
  if (!url) return [`line ${line}: download without a recognizable URL`];
  if (/(?:^|[/\-_.=?&])latest(?:[/\-_.?&]|$)/i.test(url)) return [`line ${line}: download URL uses 'latest' (unpinned): ${url}`];
  if (!VERSIONISH.some((re) => re.test(url))) return [`line ${line}: download URL has no version-looking segment (unpinned): ${url}`];
  return [];
}

function isVerification(w: string[]): boolean {
  const [cmd, ...args] = w;
  const name = cmdName(cmd ?? '');
  const hasCheck = args.some((a) => a === '--check' || /^-[a-z]*c[a-z]*$/.test(a));
  if ((name === 'sha256sum' || name === 'sha512sum' || name === 'sha384sum') && hasCheck) return true;
  if (name === 'shasum' && hasCheck) {
    const i = args.findIndex((a) => a === '-a' || a === '--algorithm');
    const alg = i >= 0 ? args[i + 1] : args.find((a) => /^--algorithm=/.test(a))?.split('=')[1] ?? args.find((a) => /^-a\d+$/.test(a))?.slice(2);
    return alg === '256' || alg === '384' || alg === '512';
  }
  if (name === 'cosign' && args[0] === 'verify-blob') return true;
  if ((name === 'gpg' || name === 'gpg2') && args.includes('--verify')) return true;
  if (name === 'gpgv') return true;
  if (name === 'minisign' && args.includes('-V')) return true;
  if ((name === '[' || name === '[[' || name === 'test') && args.some((a) => /\b(sha(256|384|512)sum|shasum -a (256|384|512)|openssl (dgst|sha(256|512)))\b/.test(a))
    && args.some((a) => a === '=' || a === '==' || a === '!=')) return true;
  return false;
}

/** What a command does to a file, if it is one of the guarded uses. */
function usesOf(w: string[]): { verb: string; args: string[] } {
  const name = cmdName(w[0]);
  const args = w.slice(1);
  if (EXTRACTORS.has(name) || (name === 'gzip' || name === 'xz' || name === 'bzip2') && args.some((a) => /^-[a-z]*d/.test(a) || a === '--decompress')) {
    return { verb: `extracted (${name})`, args };
  }
  if (name === 'install') return { verb: 'installed (install)', args };
  if (name === 'dpkg' && args.some((a) => a === '-i' || a === '--install')) return { verb: 'installed (dpkg -i)', args };
  if (name === 'rpm' && args.some((a) => /^-[a-zA-Z]*[iU]/.test(a))) return { verb: 'installed (rpm)', args };
  if ((name === 'apt' || name === 'apt-get') && args.includes('install')) return { verb: `installed (${name} install)`, args };
  if (name === 'chmod' && args.some((a) => /^[ugoa]*[+=][rwst]*x|^0?[0-7]*[1357][0-7]{0,2}$/.test(a) && !/^0?[0-7]*[0246]{3}$/.test(a))) {
    return { verb: 'made executable (chmod)', args };
  }
  if ((name === 'mv' || name === 'cp') && args.length >= 2 && BIN_DIR.test(args[args.length - 1])) {
    return { verb: `installed (${name} into ${args[args.length - 1]})`, args: args.slice(0, -1) };
  }
  if (name === 'source' || name === '.') return { verb: `sourced (${name})`, args: args.slice(0, 1) };
  if (SHELLS.has(name)) return { verb: `executed (${name})`, args: args.filter((a) => !a.startsWith('-')).slice(0, 1) };
  return { verb: 'executed', args: [w[0]] };
}

interface Tracked { file: string; url?: string; line: number; verified: boolean; reported: boolean }

function sameFile(word: string, file: string): boolean {
  return word === file || basename(word) === basename(file);
}

const CHECKS = 'sha256sum -c, sha512sum -c, shasum -a 256 -c, cosign verify-blob';

/**
 * Finds downloads in a shell script that are piped into an interpreter, used before a checksum or
 * signature check, or fetched from an unpinned URL (see the file comment for the exact heuristic).
 * @param script the shell script text
 * @returns findings like `line 3: 'helm.tar.gz' (downloaded at line 2 from https://…) is extracted
 *   (tar) without a prior checksum/signature check …`; empty when nothing is flagged
 */
export function unverifiedDownloads(script: string): string[] {
  const findings: string[] = [];
  script.split('\n').forEach((l, n) => {
    const code = l.replace(/(^|\s)#.*$/, '');
    if (/(?:\b(?:ba|z|da|k)?sh|\bsource|(?:^|\s)\.)\s+<\(\s*(?:curl|wget)\b/.test(code)
      || /\b(?:ba|z|da|k)?sh\s+-c\s+["']?\$\(\s*(?:curl|wget)\b/.test(code)
      || /\beval\s+["']?\$\(\s*(?:curl|wget)\b/.test(code)) {
      findings.push(`line ${n + 1}: executes a download directly (process/command substitution of curl/wget): ${l.trim()}`);
    }
  });

  const commands = tokenize(script).map((c) => ({ ...c, words: stripPrefix(c.words) })).filter((c) => c.words.length > 0);
  const byPipeline = new Map<number, Command[]>();
  for (const c of commands) byPipeline.set(c.pipeline, [...(byPipeline.get(c.pipeline) ?? []), c]);
  const tracked: Tracked[] = [];
  const track = (file: string, url: string | undefined, line: number): void => {
    for (const t of tracked.filter((x) => sameFile(x.file, file))) t.verified = false; // re-downloaded
    tracked.push({ file, url, line, verified: false, reported: false });
    findings.push(...urlFindings(url, line));
  };

  for (const c of commands) {
    const name = cmdName(c.words[0]);
    const pipe = byPipeline.get(c.pipeline) ?? [];

    if (name === 'curl' || name === 'wget') {
      const dl = parseDownload(name, c.words.slice(1), c.outputs);
      if (dl.file) track(dl.file, dl.url, c.line);
      if (!dl.toStdout) continue;
      for (const next of pipe.slice(pipe.indexOf(c) + 1)) {
        const nn = cmdName(next.words[0]);
        if (SHELLS.has(nn)) {
          findings.push(`line ${c.line}: pipes a download into ${nn} (${name} … | ${nn}); download to a file and verify its checksum first`);
        } else if (EXTRACTORS.has(nn)) {
          findings.push(`line ${c.line}: pipes a download into ${nn} without verifying it; download to a file and verify its checksum first`);
        } else if (nn === 'tee' && next.words.length > 1) {
          const target = next.words[next.words.length - 1];
          if (BIN_DIR.test(target)) findings.push(`line ${c.line}: writes a download straight into ${target} (| tee) without verifying it`);
          else track(target, dl.url, c.line);
        }
      }
      continue;
    }

    if (isVerification(c.words)) {
      const text = pipe.flatMap((p) => p.words).join(' ');
      const named = tracked.filter((t) => text.includes(basename(t.file)));
      for (const t of named.length > 0 ? named : tracked) t.verified = true;
      continue;
    }

    // mv/cp to a non-bin path: the new name inherits the download's state
    if ((name === 'mv' || name === 'cp') && c.words.length >= 3 && !BIN_DIR.test(c.words[c.words.length - 1])) {
      const dest = c.words[c.words.length - 1];
      for (const src of c.words.slice(1, -1).filter((a) => !a.startsWith('-'))) {
        const t = tracked.find((x) => sameFile(src, x.file));
        if (t) tracked.push({ ...t, file: dest.endsWith('/') ? dest + basename(t.file) : dest, reported: false });
      }
      continue;
    }

    const use = usesOf(c.words);
    const args = SHELLS.has(name) ? [...use.args, ...c.inputs] : use.args;
    for (const t of tracked) {
      if (t.verified || t.reported || !args.some((a) => sameFile(a, t.file))) continue;
      t.reported = true;
      findings.push(`line ${c.line}: '${t.file}' (downloaded at line ${t.line}${t.url ? ` from ${t.url}` : ''}) is ${use.verb} ` +
        `without a prior checksum/signature check (${CHECKS})`);
    }
  }
  return findings;
}
