import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Project } from 'projen';

/** Options of a test project. */
export interface TestProjectOptions {
  /**
   * Project name.
   * @default 'test'
   */
  readonly name?: string;
}

/** The files a synth wrote. */
export class SynthOutput {
  /** @internal */
  public static _of(files: Map<string, string>, outdir: string): SynthOutput {
    const out = new SynthOutput(outdir);
    out.files = files;
    return out;
  }

  private files = new Map<string, string>();

  /** The folder the project was synthesized into (its `outdir`, a temporary directory). */
  public readonly outdir: string;

  private constructor(outdir: string) {
    this.outdir = outdir;
  }

  /** Every written path, relative to the project, sorted. */
  public get paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The text of a file, or undefined when the synth did not write it. */
  public file(filePath: string): string | undefined {
    return this.files.get(filePath);
  }

  /** A YAML file parsed (the first document), or undefined. */
  public yaml(filePath: string): any {
    const text = this.files.get(filePath);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return text === undefined ? undefined : require('yaml').parse(text);
  }

  /** All documents of a multi-document YAML file, or undefined. */
  public yamlDocuments(filePath: string): any[] | undefined {
    const text = this.files.get(filePath);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return text === undefined ? undefined : require('yaml').parseAllDocuments(text).map((d: any) => d.toJSON()).filter((d: any) => d !== null);
  }
}

/**
 * Helpers for testing definitions. A projen project made without an explicit temporary `outdir`
 * synthesizes into the working directory and can delete the files there (`.git` included); these
 * helpers only ever synthesize into a fresh temporary directory.
 */
export class Testing {
  /** A plain projen project in a new temporary directory. */
  public static project(options: TestProjectOptions = {}): Project {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-pipeline-'));
    return new Project({ name: options.name ?? 'test', outdir });
  }

  /**
   * Synthesizes `project` and returns what it wrote. Refuses a project whose `outdir` is not inside the
   * system's temporary directory.
   */
  public static synth(project: Project): SynthOutput {
    const tmp = fs.realpathSync(os.tmpdir());
    const out = fs.existsSync(project.outdir) ? fs.realpathSync(project.outdir) : path.resolve(project.outdir);
    if (!out.startsWith(tmp + path.sep)) {
      throw new Error(`Testing.synth: ${project.outdir} is not a temporary directory; create the project with Testing.project() (synthesizing into the working directory can delete the repository's files)`);
    }
    const previous = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      project.synth();
    } finally {
      if (previous === undefined) delete process.env.PROJEN_DISABLE_POST;
      else process.env.PROJEN_DISABLE_POST = previous;
    }
    const files = new Map<string, string>();
    for (const f of project.files) {
      const abs = path.join(project.outdir, f.path);
      if (fs.existsSync(abs)) files.set(f.path, fs.readFileSync(abs, 'utf8'));
    }
    return SynthOutput._of(files, project.outdir);
  }

  private constructor() {}
}
