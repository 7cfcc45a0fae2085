/**
 * No function carries code it never calls: each deployed Lambda's entry is built exactly as
 * `cdk synth` builds it (infra/lambda-bundling.ts) and esbuild's metafile says which SDK clients
 * and which of the project's files put code into the bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TODAY_ENTRIES } from '../../bench/bundles';
import {
  BUNDLING_BEFORE_ISSUE_7,
  buildLambdaBundle,
  ownFilesIn,
  sdkClientsIn,
  type BuiltBundle,
} from '../../infra/lambda-bundling';
import { DEPLOYED_FUNCTIONS } from '../../infra/lambda-entries';

const REPO_ROOT = join(__dirname, '..', '..');

const IAM = 'client-iam';
const S3 = 'client-s3';
const SECRETS = 'client-secrets-manager';
const SFN = 'client-sfn';
const SNS = 'client-sns';
const CLOUDTRAIL = 'client-cloudtrail';
const ORGANIZATIONS = 'client-organizations';
const STS = 'client-sts';

/** What each function calls (its IAM statements say the same): the SDK clients and its step files. */
const EXPECTED: Record<string, { clients: string[]; steps: string[] }> = {
  'rotation Prepare': { clients: [IAM, SECRETS, SFN, SNS, STS], steps: ['prepare'] },
  'rotation CreateAndStoreKey': { clients: [IAM, SECRETS, SFN, SNS, STS], steps: ['create-and-store'] },
  'rotation CheckCutover': { clients: [IAM, SFN, SNS, STS], steps: ['check-cutover'] },
  'rotation DeactivateOldKey': { clients: [IAM, SECRETS, SFN, SNS, STS], steps: ['deactivate-old-key'] },
  'rotation FinishRotation': { clients: [IAM, SFN, SNS, STS], steps: ['finish-rotation'] },
  'rotation Notify': { clients: [SNS], steps: ['notify'] },
  'offboarding Validate': { clients: [IAM, S3, SFN, SNS, STS], steps: ['validate'] },
  'offboarding Snapshot': { clients: [IAM, S3, SECRETS, SFN, SNS, STS], steps: ['snapshot'] },
  'offboarding Disable': { clients: [IAM, S3, SFN, SNS, STS], steps: ['disable'] },
  // It switches off again what was re-enabled: disable.ts's switchOff.
  'offboarding CheckStillDisabled': { clients: [IAM, S3, SFN, SNS, STS], steps: ['observe', 'disable'] },
  // CloudTrail in the hub's account only (organization mode: see README).
  'offboarding CheckActivity': { clients: [CLOUDTRAIL, SFN, SNS], steps: ['check-activity'] },
  'offboarding DeleteUser': { clients: [IAM, S3, SECRETS, SFN, SNS, STS], steps: ['delete-user'] },
  'offboarding RestoreUser': { clients: [IAM, S3, SFN, SNS, STS], steps: ['restore'] },
  'offboarding Notify': { clients: [SNS], steps: ['notify'] },
  // S3: approval requests and reminder markers of the lifecycle signals (functions/scan/signals-phase.ts).
  scan: { clients: [IAM, S3, SFN, SNS], steps: [] },
  api: { clients: [IAM, S3, SECRETS, SFN, STS], steps: [] },
  // Re-disables through the offboarding's own switchOff (offboarding/steps/disable.ts).
  reactions: { clients: [IAM, S3, SNS, STS], steps: ['offboarding/disable'] },
  // The exposed-key response (capability reactions): IAM, the guard (Step Functions), the topic; STS
  // for the member role of the event's account (organization mode).
  'exposure Assess': { clients: [IAM, SFN, SNS, STS], steps: ['exposure/assess'] },
  'exposure Contain': { clients: [IAM, SFN, SNS, STS], steps: ['exposure/contain'] },
  // The rotation's own create-and-store under the exposure's check.
  'exposure CreateAndStoreKey': {
    clients: [IAM, SECRETS, SFN, SNS, STS],
    steps: ['exposure/create-and-store', 'rotation/create-and-store'],
  },
  'exposure DeactivateExposedKey': { clients: [IAM, SFN, SNS, STS], steps: ['exposure/deactivate'] },
  'exposure ReportExposure': { clients: [CLOUDTRAIL, IAM, SFN, SNS, STS], steps: ['exposure/report'] },
  'exposure DeleteExposedKey': { clients: [IAM, SFN, SNS, STS], steps: ['exposure/delete'] },
  'exposure NotifyFailed': { clients: [IAM, SFN, SNS, STS], steps: ['exposure/report'] },
  'exposure Health': { clients: [IAM, SFN, STS], steps: [] },
  // Organization mode: the listing reads Organizations; the account scan assumes the member scan
  // role (STS) and runs the single-account scan; the summary only publishes.
  'organization ListAccounts': { clients: [ORGANIZATIONS], steps: [] },
  'organization ScanAccount': { clients: [IAM, SFN, SNS, STS], steps: [] },
  'organization Summarize': { clients: [SNS], steps: [] },
};

/** Measured (bench/bundles.ts): 361-630 KB per function; every capability-wide bundle was 976-992 KB. */
const MAX_BUNDLE_BYTES = 700 * 1024;
const MAX_NOTIFY_BUNDLE_BYTES = 400 * 1024;

const STEP_FILE = /^functions\/(rotation|offboarding|exposure)\/steps\/(.+)\.ts$/;

/** The step files of a bundle (`rotation/prepare`, ...), the shared step context left out. */
function stepFilesIn(bundle: BuiltBundle): string[] {
  return ownFilesIn(bundle)
    .map((file) => STEP_FILE.exec(file))
    .filter((m): m is RegExpExecArray => m !== null && m[2] !== 'context')
    .map((m) => `${m[1]}/${m[2]}`)
    .sort();
}

const capabilityOf = (file: string) => /^functions\/([^/]+)\//.exec(file)?.[1];

describe('the Lambda bundles', () => {
  let dir: string;
  const bundles = new Map<string, BuiltBundle & { file: string }>();
  let todayRotation: BuiltBundle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lambda-bundles-test-'));
    await Promise.all(
      DEPLOYED_FUNCTIONS.map(async (fn) => {
        const file = join(dir, `${fn.name.replace(/\W+/g, '-')}.js`);
        bundles.set(fn.name, { file, ...(await buildLambdaBundle(REPO_ROOT, fn.entry, { sdk: 'bundled' }, file)) });
      }),
    );
    // The capability-wide rotation entry of before, with the options of then.
    todayRotation = await buildLambdaBundle(REPO_ROOT, TODAY_ENTRIES.rotation, {
      sdk: 'bundled',
      mainFields: BUNDLING_BEFORE_ISSUE_7.mainFields,
    });
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('cover every function the stack deploys, each from its own entry', () => {
    // Act
    const entries = DEPLOYED_FUNCTIONS.map((fn) => fn.entry);
    // Assess
    expect(DEPLOYED_FUNCTIONS.map((fn) => fn.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(new Set(entries).size).toBe(DEPLOYED_FUNCTIONS.length); // each from its own entry
  });

  it.each(DEPLOYED_FUNCTIONS.map((fn) => [fn.name, fn] as const))('%s carries only the SDK clients it calls', (name) => {
    // Act
    const clients = sdkClientsIn(bundles.get(name)!);
    // Assess
    expect(clients).toEqual([...EXPECTED[name]!.clients].sort());
  });

  it.each(DEPLOYED_FUNCTIONS.map((fn) => [fn.name, fn] as const))(
    "%s carries its own step's code and no other capability's",
    (name, fn) => {
      // Prepare
      const bundle = bundles.get(name)!;
      const own = ownFilesIn(bundle);
      // Act
      const steps = stepFilesIn(bundle);
      const others = own.filter((file) => {
        const capability = capabilityOf(file);
        // The scan starts rotations (rotation/start, rotation/domain) and offboardings or their approval
        // requests (offboarding/service, offboarding/approval); the API starts and rolls back rotations
        // and offboardings (their service code, never a step), and starts exposure responses. The
        // exposure steps reuse the rotation's create-and-store and clock-skew rule.
        const allowed = fn.name.startsWith('exposure ')
          ? ['exposure', 'rotation', 'shared']
          : {
              rotation: ['rotation', 'shared'],
              offboarding: ['offboarding', 'shared'],
              scan: ['scan', 'rotation', 'offboarding', 'shared'],
              api: ['api', 'rotation', 'offboarding', 'exposure', 'shared'],
              reactions: ['reactions', 'offboarding', 'shared'],
              organization: ['organization', 'scan', 'rotation', 'offboarding', 'shared'],
            }[fn.capability];
        return !allowed.includes(capability ?? '');
      });
      // Assess
      expect(steps).toEqual(EXPECTED[name]!.steps.map((step) => (step.includes('/') ? step : `${fn.capability}/${step}`)).sort());
      expect(others).toEqual([]);
      expect(own.filter((file) => file.endsWith('/handlers.ts'))).toEqual([]); // they build every step
      expect(own).not.toContain('functions/shared/aws.ts'); // builds every client
    },
  );

  it.each(DEPLOYED_FUNCTIONS.map((fn) => [fn.name, fn] as const))('%s is below its size bound', (name) => {
    // Act
    const { bytes } = bundles.get(name)!;
    // Assess
    expect(bytes).toBeLessThan(name.endsWith('Notify') ? MAX_NOTIFY_BUNDLE_BYTES : MAX_BUNDLE_BYTES);
  });

  it.each(DEPLOYED_FUNCTIONS.map((fn) => [fn.name, fn] as const))('%s exports the handler its construct names', (name, fn) => {
    // Act
    const loaded = jest.requireActual<Record<string, unknown>>(bundles.get(name)!.file);
    // Assess
    expect(typeof loaded[fn.handler]).toBe('function');
  });

  it('the same check finds what a capability-wide bundle carries (the rotation Notify of before)', () => {
    // Act
    const clients = sdkClientsIn(todayRotation);
    const steps = stepFilesIn(todayRotation);
    // Assess: Notify used to carry every client and every rotation step
    expect(clients).toEqual([IAM, S3, SECRETS, SFN, SNS]);
    expect(steps).toEqual(expect.arrayContaining(['rotation/prepare', 'rotation/create-and-store', 'rotation/notify']));
    expect(todayRotation.bytes).toBeGreaterThan(MAX_BUNDLE_BYTES);
  });
});
