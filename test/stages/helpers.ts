/** The exact text of one job of a generated workflow (for snapshots that keep the pin comments). */
export function jobText(workflow: string, id: string): string {
  const lines = workflow.split('\n');
  const start = lines.indexOf(`  ${id}:`);
  if (start < 0) throw new Error(`no job ${id}`);
  const end = lines.findIndex((l, i) => i > start && /^  \S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
