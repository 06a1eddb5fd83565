/**
 * The layers of src/ (DESIGN.md §2), lowest first: a folder imports only itself and the folders of lower
 * layers; the folders of one layer never import each other. `.projenrc.ts` turns this into ESLint's
 * import/no-restricted-paths zones, and test/architecture.test.ts checks the import graph against it.
 */
export const LAYERS: readonly (readonly string[])[] = [['core'], ['model'], ['pipeline'], ['platform'], ['stages', 'deploy', 'observability', 'policy'], ['app']];
