import { PlatformPipelineError, show } from '../core/errors';
import { REPO_PATH } from '../core/names';

/** Options shared by every language. */
export interface UnitTestOptions {
  /**
   * Directory the tests run in.
   * @default - the image's build context
   */
  readonly workingDirectory?: string;
  /**
   * Command that installs the test dependencies.
   * @default - per language (see the factory)
   */
  readonly installCommand?: string;
  /**
   * Command that runs the tests and writes the coverage report the gate reads.
   * @default - per language (see the factory)
   */
  readonly command?: string;
  /**
   * Minimum line coverage in percent (0–100).
   * @default - the stage's `coverageThreshold`
   */
  readonly coverageThreshold?: number;
  /**
   * Job name suffix: the job is `<app>-unit-<name>`.
   * @default - the language
   */
  readonly name?: string;
}

/** Options of Python tests (pytest with pytest-cov). */
export interface PythonTestOptions extends UnitTestOptions {
  /**
   * Python version for actions/setup-python.
   * @default '3.12'
   */
  readonly pythonVersion?: string;
  /**
   * Package or directory measured by pytest-cov (`--cov=`). `.` measures every Python file under the
   * working directory, the tests included; name the service's package (e.g. `checkout`) to gate the
   * coverage of the service code only.
   * @default '.'
   */
  readonly coverageSource?: string;
}

/** Options of Node.js tests (jest). */
export interface NodeTestOptions extends UnitTestOptions {
  /**
   * Node.js version for actions/setup-node.
   * @default '22'
   */
  readonly nodeVersion?: string;
}

/** Options of Go tests. */
export interface GoTestOptions extends UnitTestOptions {
  /**
   * Go version for actions/setup-go.
   * @default - the version `go.mod` states
   */
  readonly goVersion?: string;
}

/** Options of tests in another language. */
export interface CustomTestOptions {
  /** Job name suffix: the job is `<app>-unit-<name>`. */
  readonly name: string;
  /** Command that runs the tests. */
  readonly command: string;
  /** Command that prints the line coverage in percent (a number such as `83.4`) after the tests ran. */
  readonly coverageCommand: string;
  /**
   * Command that installs the test dependencies.
   * @default - none
   */
  readonly installCommand?: string;
  /**
   * Directory the tests run in.
   * @default - the image's build context
   */
  readonly workingDirectory?: string;
  /**
   * Minimum line coverage in percent (0–100).
   * @default - the stage's `coverageThreshold`
   */
  readonly coverageThreshold?: number;
}

/** pytest and pytest-cov installed when the install command is not given. @internal */
export const PYTEST_PACKAGES = '"pytest==9.2.0" "pytest-cov==7.1.0"';

const SAFE_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * Unit tests of one language with a coverage gate: the job runs the tests, reads the line coverage from
 * the report, writes it to the job summary and fails below the threshold.
 */
export class UnitTests {
  /** pytest with pytest-cov; coverage from `coverage.xml`. */
  public static python(options: PythonTestOptions = {}): UnitTests {
    const src = options.coverageSource ?? '.';
    checkWord('UnitTests.python', 'coverageSource', src);
    return new UnitTests('python', options, {
      install: `if [ -f requirements.txt ]; then python -m pip install --disable-pip-version-check -r requirements.txt; fi\npython -m pip install --disable-pip-version-check ${PYTEST_PACKAGES}`,
      command: `python -m pytest --cov=${src} --cov-report=xml:coverage.xml --cov-report=term`,
      coverage: 'python -c \'import xml.etree.ElementTree as E; print(round(float(E.parse("coverage.xml").getroot().get("line-rate")) * 100, 2))\'',
      version: options.pythonVersion ?? '3.12',
    });
  }

  /** jest with the json-summary coverage reporter; coverage from `coverage/coverage-summary.json`. */
  public static node(options: NodeTestOptions = {}): UnitTests {
    return new UnitTests('node', options, {
      install: 'npm ci',
      command: 'npx jest --ci --coverage --coverageReporters=json-summary --coverageReporters=text',
      coverage: 'jq -r \'.total.lines.pct\' coverage/coverage-summary.json',
      version: options.nodeVersion ?? '22',
    });
  }

  /** `go test` with a cover profile; coverage from `go tool cover -func`. */
  public static go(options: GoTestOptions = {}): UnitTests {
    return new UnitTests('go', options, {
      install: 'go mod download',
      command: 'go test ./... -race -covermode=atomic -coverprofile=coverage.out',
      coverage: 'go tool cover -func=coverage.out | awk \'/^total:/ { sub("%", "", $3); print $3 }\'',
      version: options.goVersion,
    });
  }

  /** Any other language: your command, and a command that prints the coverage percentage. */
  public static custom(options: CustomTestOptions): UnitTests {
    if (!options?.command || !options.coverageCommand) {
      throw new PlatformPipelineError("UnitTests.custom: 'command' and 'coverageCommand' are required (the second prints the line coverage in percent)");
    }
    return new UnitTests('custom', options, { install: options.installCommand ?? '', command: options.command, coverage: options.coverageCommand });
  }

  /** `python`, `node`, `go` or `custom`. */
  public readonly language: string;
  /** The job name suffix. */
  public readonly name: string;
  /** The threshold of this language, if it sets its own. */
  public readonly coverageThreshold?: number;
  /** Install command. */
  public readonly installCommand: string;
  /** Test command. */
  public readonly command: string;
  /** The command printing the coverage percentage. */
  public readonly coverageCommand: string;
  /** Working directory, if set (else the image's context). */
  public readonly workingDirectory?: string;
  /** The toolchain version, if any. */
  public readonly toolVersion?: string;

  private constructor(language: string, o: UnitTestOptions, d: { install: string; command: string; coverage: string; version?: string }) {
    this.language = language;
    this.name = o.name ?? language;
    if (!SAFE_NAME.test(this.name)) throw new PlatformPipelineError(`UnitTests.${language}: 'name' must be lowercase letters, digits and '-' (at most 31), got ${show(this.name)}`);
    if (o.coverageThreshold !== undefined) checkCoverage(`UnitTests.${language}`, o.coverageThreshold);
    if (o.workingDirectory !== undefined && !REPO_PATH.test(o.workingDirectory)) {
      throw new PlatformPipelineError(`UnitTests.${language}: 'workingDirectory' must be a path inside the repository, got ${show(o.workingDirectory)}`);
    }
    if (d.version !== undefined && !/^[0-9][0-9.x]*$/.test(d.version)) {
      throw new PlatformPipelineError(`UnitTests.${language}: the toolchain version must look like '3.12' or '22', got ${show(d.version)}`);
    }
    this.coverageThreshold = o.coverageThreshold;
    this.installCommand = o.installCommand ?? d.install;
    this.command = o.command ?? d.command;
    this.coverageCommand = d.coverage;
    this.workingDirectory = o.workingDirectory;
    this.toolVersion = d.version;
  }
}

/** Refuses a coverage threshold outside 0–100. @internal */
export function checkCoverage(where: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new PlatformPipelineError(`${where}: 'coverageThreshold' is a percentage from 0 to 100, got ${show(value)}`);
  }
}

function checkWord(where: string, prop: string, value: string): void {
  if (!/^[A-Za-z0-9._\/-]+$/.test(value)) throw new PlatformPipelineError(`${where}: '${prop}' must be a package or path, got ${show(value)}`);
}
