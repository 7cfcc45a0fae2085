/**
 * How the CDK app finds its config (context `config` file, context `lifecycleConfig`, defaults) and
 * that an invalid config stops synth with the ConfigError message and builds nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONFIG, parseConfig } from '../../functions/shared/config';
import { ConfigError } from '../../functions/shared/errors';
import { buildApp } from '../../infra/app';
import { loadLifecycleConfig } from '../../infra/config';
import { DEPLOYED_FUNCTIONS } from '../../infra/lambda-entries';
import { synth } from './support';

const REPO_ROOT = join(__dirname, '..', '..');

function appWith(context: Record<string, unknown>): App {
  return new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadLifecycleConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifecycle-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every documented default without context', () => {
    // Act
    const loaded = loadLifecycleConfig(appWith({}).node);
    // Assess
    expect(loaded).toEqual({ config: DEFAULT_CONFIG, source: { kind: 'defaults' } });
  });

  it('reads the lifecycleConfig context object (cdk.json) and its JSON text (-c on the command line)', () => {
    // Act
    const fromObject = loadLifecycleConfig(appWith({ lifecycleConfig: { maxKeyAgeDays: 30 } }).node);
    const fromText = loadLifecycleConfig(appWith({ lifecycleConfig: '{"maxKeyAgeDays": 30}' }).node);
    // Assess
    expect(fromObject.config).toEqual(parseConfig({ maxKeyAgeDays: 30 }));
    expect(fromText.config).toEqual(fromObject.config);
    expect(fromObject.source).toEqual({ kind: 'context' });
  });

  it('reads the file named by the config context, which wins over lifecycleConfig', () => {
    // Prepare
    const file = join(dir, 'prod.json');
    writeFileSync(file, JSON.stringify({ maxKeyAgeDays: 60, managedUsers: { pathPrefix: '/bots/' } }));
    // Act
    const loaded = loadLifecycleConfig(appWith({ config: file, lifecycleConfig: { maxKeyAgeDays: 30 } }).node);
    // Assess
    expect(loaded.config).toEqual(parseConfig({ maxKeyAgeDays: 60, managedUsers: { pathPrefix: '/bots/' } }));
    expect(loaded.source).toEqual({ kind: 'file', path: file });
  });

  it('resolves a relative config path against the working directory', () => {
    // Prepare
    writeFileSync(join(dir, 'relative.json'), JSON.stringify({ scanSchedule: 'rate(12 hours)' }));
    // Act
    const loaded = loadLifecycleConfig(appWith({ config: 'relative.json' }).node, dir);
    // Assess
    expect(loaded.config.scanSchedule).toBe('rate(12 hours)');
  });

  it.each([
    ['an invalid value', { lifecycleConfig: { maxKeyAgeDays: -1 } }, /maxKeyAgeDays must be a positive number/],
    ['an unknown field', { lifecycleConfig: { maxKeyAgeDayz: 3 } }, /unknown config field "maxKeyAgeDayz"/],
    ['invalid JSON text', { lifecycleConfig: '{maxKeyAgeDays: 3' }, /context "lifecycleConfig" is not valid JSON/],
    ['a missing file', { config: '/nonexistent/lifecycle.json' }, /config file \/nonexistent\/lifecycle.json cannot be read/],
    ['a non-string file context', { config: 42 }, /context "config" must be a file path/],
  ])('rejects %s with a ConfigError', (_what, context, message) => {
    // Act
    const error = errorOf(() => loadLifecycleConfig(appWith(context).node));
    // Assess
    expect(error.message).toMatch(/^invalid configuration: /);
    expect(error.message).toMatch(message);
  });

  it('rejects a file that is not JSON, naming the file', () => {
    // Prepare
    const file = join(dir, 'broken.json');
    writeFileSync(file, 'maxKeyAgeDays: 3\n');
    // Act
    const error = errorOf(() => loadLifecycleConfig(appWith({ config: file }).node));
    // Assess
    expect(error.message).toContain(`config file ${file} is not valid JSON`);
  });
});

describe('buildApp', () => {
  it('builds no stack when the config is invalid', () => {
    // Prepare
    const app = appWith({ lifecycleConfig: { cutoverQuietPeriodHours: 1, timeScale: 0.5 } });
    // Act
    const error = errorOf(() => buildApp(app));
    // Assess
    expect(error.problems).toEqual([
      'timeScale must be >= 1 (it divides durations)',
      'cutoverQuietPeriodHours must be at least cutoverCheckIntervalHours',
    ]);
    expect(app.node.children).toHaveLength(0);
  });

  it('rejects a stack name CloudFormation would refuse', () => {
    // Act
    const error = errorOf(() => buildApp(appWith({ stackName: 'iam_user_lifecycle!' })));
    // Assess
    expect(error.message).toMatch(/context "stackName" must be a CloudFormation stack name/);
  });

  it('leaves the API Gateway account logging setting alone with manageApiGatewayLoggingRole=false', () => {
    // Act: -c on the command line gives a string, cdk.json a boolean
    const managed = buildApp(appWith({})).stack;
    const fromCli = buildApp(appWith({ manageApiGatewayLoggingRole: 'false' })).stack;
    const fromJson = buildApp(appWith({ manageApiGatewayLoggingRole: false })).stack;
    // Assess
    expect(Template.fromStack(managed).findResources('AWS::ApiGateway::Account')).not.toEqual({});
    for (const stack of [fromCli, fromJson]) {
      expect(stack.api.accountLoggingRole).toBeUndefined();
      expect(Template.fromStack(stack).findResources('AWS::ApiGateway::Account')).toEqual({});
    }
    expect(() => buildApp(appWith({ manageApiGatewayLoggingRole: 'no' }))).toThrow(
      /context "manageApiGatewayLoggingRole" must be true or false/,
    );
  });

  it('names the stack from the stackName context', () => {
    // Act
    const { stack } = buildApp(appWith({ stackName: 'IamUserLifecycle-Staging' }));
    // Assess
    expect(stack.stackName).toBe('IamUserLifecycle-Staging');
  });

  it('passes the config from a file to every Lambda', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'lifecycle-config-'));
    const file = join(dir, 'team.json');
    const raw = { maxKeyAgeDays: 60, protectedUsers: { userNames: ['root-admin'] }, cutoverDeadlineAction: 'deactivate' };
    writeFileSync(file, JSON.stringify(raw));
    try {
      // Act
      const { template } = synth({ config: file }, { bundle: false });
      // Assess
      const envs = Object.values(template.findResources('AWS::Lambda::Function')).map(
        (f) => (f.Properties as { Environment: { Variables: { LIFECYCLE_CONFIG: string } } }).Environment.Variables,
      );
      // Every function but the organization scan's (organization mode only).
      expect(envs).toHaveLength(DEPLOYED_FUNCTIONS.filter((fn) => fn.capability !== 'organization').length);
      for (const env of envs) expect(JSON.parse(env.LIFECYCLE_CONFIG)).toEqual(parseConfig(raw));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('infra/app.ts run as the CDK app', () => {
  it('exits 1 with the ConfigError message, and no stack trace, on an invalid config', () => {
    // Prepare: the CDK CLI hands the context to the app in CDK_CONTEXT_JSON
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      // Act
      const run = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ lifecycleConfig: { maxKeyAgeDays: 0, secretPrefix: 'keys/' } }),
        },
      });
      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(
        'invalid configuration: maxKeyAgeDays must be a positive number (got 0); ' +
          'secretPrefix must not end with "/" (secrets are named <secretPrefix>/<userName>)',
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('config checks at synth time', () => {
  it('warns when timeScale shortens every duration of a deployed stack', () => {
    // Act
    const { stack } = buildApp(appWith({ lifecycleConfig: { timeScale: 86400 } }));
    // Assess
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('timeScale is 86400'));
    expect(warnings).toHaveLength(1);
  });

  it('refuses more protected user names than an IAM policy can hold, pointing at the protected tag', () => {
    // Prepare
    const userNames = Array.from({ length: 60 }, (_, i) => `contractor-account-${i}`);
    // Act
    const error = errorOf(() => buildApp(appWith({ lifecycleConfig: { protectedUsers: { userNames } } })));
    // Assess
    expect(error.message).toMatch(/protectedUsers.userNames has too many names for an IAM policy \(60 names/);
    expect(error.message).toMatch(/Tag those users with "iam-lifecycle:protected" instead/);
  });

  it('accepts a realistic list of protected user names', () => {
    // Prepare
    const userNames = Array.from({ length: 20 }, (_, i) => `break-glass-admin-${i}`);
    // Act
    const build = () => buildApp(appWith({ lifecycleConfig: { protectedUsers: { userNames } } }));
    // Assess
    expect(build).not.toThrow();
  });
});
