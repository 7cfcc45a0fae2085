/**
 * Where the CDK app gets its LifecycleConfig. The shape, defaults and validation live in
 * functions/shared/config.ts (one config for CDK, Lambdas and CLI); this module only finds the JSON.
 *
 * Sources, first match wins:
 * 1. context `config`: path of a JSON file (`npx cdk synth -c config=deploy/prod.json`), relative to
 *    the working directory;
 * 2. context `lifecycleConfig`: the config object itself (in cdk.json, or a JSON string given with
 *    `-c lifecycleConfig='{"maxKeyAgeDays":60}'`);
 * 3. nothing: every documented default.
 *
 * Anything unreadable or invalid throws a ConfigError, so synth fails before any resource exists.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Node } from 'constructs';
import { parseConfig, type LifecycleConfig } from '../functions/shared/config';
import { ConfigError } from '../functions/shared/errors';

/** Context key holding the path of a config JSON file. */
export const CONFIG_FILE_CONTEXT_KEY = 'config';
/** Context key holding the config object (or its JSON text). */
export const CONFIG_OBJECT_CONTEXT_KEY = 'lifecycleConfig';

/** Where a loaded config came from, for the synth log and for tests. */
export type ConfigSource = { kind: 'file'; path: string } | { kind: 'context' } | { kind: 'defaults' };

export interface LoadedConfig {
  readonly config: LifecycleConfig;
  readonly source: ConfigSource;
}

function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${where} is not valid JSON: ${(error as Error).message}`]);
  }
}

/** Reads and validates the config from the app's context (see the module comment for the order). */
export function loadLifecycleConfig(node: Node, cwd: string = process.cwd()): LoadedConfig {
  const file: unknown = node.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined && file !== null && file !== '') {
    if (typeof file !== 'string') throw new ConfigError([`context "${CONFIG_FILE_CONTEXT_KEY}" must be a file path`]);
    const path = resolve(cwd, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError([`config file ${path} cannot be read: ${(error as Error).message}`]);
    }
    return { config: parseConfig(parseJsonText(text, `config file ${path}`)), source: { kind: 'file', path } };
  }

  const inline: unknown = node.tryGetContext(CONFIG_OBJECT_CONTEXT_KEY);
  if (inline !== undefined && inline !== null) {
    // `-c key=value` on the command line always yields a string; cdk.json yields the object.
    const raw = typeof inline === 'string' ? parseJsonText(inline, `context "${CONFIG_OBJECT_CONTEXT_KEY}"`) : inline;
    return { config: parseConfig(raw), source: { kind: 'context' } };
  }

  return { config: parseConfig({}), source: { kind: 'defaults' } };
}
