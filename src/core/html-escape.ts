/**
 * Bash lines defining `esc`, which HTML-escapes `$1` (`&`, `<`, `>`, `"`) into `${escaped}` in the shell:
 * a `sed` per value would cost a process per table cell. The entities are quoted variables, so bash 5.2's
 * patsub_replacement does not read `&` as the match. For the HTML reports the generated scripts write.
 * @internal
 */
export const HTML_ESCAPE_FN: readonly string[] = [
  'amp=\'&amp;\' lt=\'&lt;\' gt=\'&gt;\' quot=\'&quot;\'',
  'esc() { escaped="${1//&/"${amp}"}"; escaped="${escaped//</"${lt}"}"; escaped="${escaped//>/"${gt}"}"; escaped="${escaped//\\"/"${quot}"}"; }',
];
