/**
 * How every Lambda of the stack is bundled: the esbuild options LifecycleFunction hands to
 * NodejsFunction, and the same build through esbuild's API for the bundle test
 * (test/infra/lambda-bundles.test.ts) and `npm run bench` (bench/bundles.ts), so both measure
 * exactly what `cdk synth` deploys.
 */
import { build, type Metafile } from 'esbuild';

/**
 * The AWS SDK is bundled, not taken from the Lambda runtime: measured by bench/bundles.ts (README
 * "Lambda bundles"), a bundle that carries only the clients it calls loads faster than one that
 * `require`s the runtime's SDK from its many files, and the deployed code runs the SDK version
 * package-lock.json pins and the tests ran. `module` first lets esbuild drop the SDK commands a
 * function never sends (the SDK's ES module build; its CommonJS build is one file per client).
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  // Keep class names through minification: the error classes set `this.name = new.target.name`,
  // and the state machines' Retry/Catch match on those names (TransientAwsError,
  // OffboardingCancelledError, ...). Without it a minified class would be named e.g. "r".
  keepNames: true,
  target: 'node22',
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
} as const;

/** The options of the capability-wide bundles before issue 7 (the bench's "today" rows). */
export const BUNDLING_BEFORE_ISSUE_7 = { ...LAMBDA_BUNDLING, mainFields: undefined } as const;

export interface BundleVariant {
  /** `bundled` as deployed; `external` leaves `@aws-sdk/*` to the runtime (node_modules locally). */
  readonly sdk: 'bundled' | 'external';
  /** @default LAMBDA_BUNDLING.mainFields */
  readonly mainFields?: readonly string[];
}

export interface BuiltBundle {
  readonly bytes: number;
  readonly mapBytes: number;
  readonly metafile: Metafile;
  /** Source files (repository-relative) and packages that put code into the bundle. */
  readonly inputs: readonly string[];
}

/**
 * Builds `entry` (repository-relative) as NodejsFunction does: one minified CommonJS file with an
 * external source map without sources content. Writes `outfile` (and `outfile.map`) when given.
 */
export async function buildLambdaBundle(
  repoRoot: string,
  entry: string,
  variant: BundleVariant = { sdk: 'bundled' },
  outfile?: string,
): Promise<BuiltBundle> {
  const mainFields = 'mainFields' in variant ? variant.mainFields : LAMBDA_BUNDLING.mainFields;
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    keepNames: LAMBDA_BUNDLING.keepNames,
    sourcemap: 'external',
    sourcesContent: false,
    ...(mainFields ? { mainFields: [...mainFields] } : {}),
    external: variant.sdk === 'external' ? ['@aws-sdk/*'] : [...LAMBDA_BUNDLING.externalModules],
    outfile: outfile ?? 'index.js',
    write: outfile !== undefined,
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const js = outputs.find(([name]) => name.endsWith('.js'));
  const map = outputs.find(([name]) => name.endsWith('.js.map'));
  if (!js) throw new Error(`esbuild wrote no JavaScript for ${entry}`);
  return {
    bytes: js[1].bytes,
    mapBytes: map?.[1].bytes ?? 0,
    metafile: result.metafile,
    inputs: Object.entries(js[1].inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([name]) => name),
  };
}

/** The AWS SDK clients (`client-iam`, `client-sns`, ...) whose code is in a bundle. */
export function sdkClientsIn(bundle: Pick<BuiltBundle, 'inputs'>): string[] {
  const clients = bundle.inputs.map((name) => /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(name)?.[1]);
  return [...new Set(clients.filter((c): c is string => c !== undefined))].sort();
}

/** The project's own source files (functions/...) in a bundle. */
export function ownFilesIn(bundle: Pick<BuiltBundle, 'inputs'>): string[] {
  return bundle.inputs.filter((name) => !name.includes('node_modules/')).sort();
}
