/** `s` as one single-quoted shell word (a `'` inside closes, escapes and reopens the quotes). @internal */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
