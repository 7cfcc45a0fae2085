/**
 * Loading an ASL file of statemachines/ for CDK: the same file the local runner executes, with its
 * `${Name}` placeholders filled by definitionSubstitutions. Synth fails when a placeholder has no
 * value or a value has no placeholder, so the deployed definition can never keep a literal `${...}`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { REPO_ROOT } from './lifecycle-function';

/** The `${Name}` placeholders of an ASL text, sorted and unique. */
export function aslPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}

export interface AslDefinition {
  readonly definitionBody: sfn.DefinitionBody;
  readonly definitionSubstitutions: Record<string, string>;
}

/**
 * @param file path relative to the repository root, e.g. `statemachines/key-rotation.asl.json`
 * @param substitutions value of every placeholder of the file (Lambda ARNs and the like)
 */
export function aslDefinition(file: string, substitutions: Record<string, string>): AslDefinition {
  const path = join(REPO_ROOT, file);
  const placeholders = aslPlaceholders(readFileSync(path, 'utf8'));
  const missing = placeholders.filter((name) => !(name in substitutions));
  const unused = Object.keys(substitutions).filter((name) => !placeholders.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(
      `${file}: definition substitutions do not match the placeholders` +
        (missing.length > 0 ? `; no value for ${missing.map((n) => '${' + n + '}').join(', ')}` : '') +
        (unused.length > 0 ? `; no placeholder for ${unused.join(', ')}` : ''),
    );
  }
  return { definitionBody: sfn.DefinitionBody.fromFile(path), definitionSubstitutions: { ...substitutions } };
}

/**
 * As aslDefinition, with numbers written into the definition at synth: a placeholder of `numbers`
 * (quoted `"${Name}"`, so the file stays JSON, or bare) becomes the number itself, where ASL wants a
 * number (a Map's MaxConcurrency, ToleratedFailurePercentage). CloudFormation substitutions are
 * strings, so a quoted placeholder would stay a string there. A name absent from the file is ignored.
 */
export function aslDefinitionWithNumbers(
  file: string,
  substitutions: Record<string, string>,
  numbers: Record<string, number>,
): AslDefinition {
  let text = readFileSync(join(REPO_ROOT, file), 'utf8');
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isFinite(value)) throw new Error(`${file}: \${${name}} must be a number`);
    text = text.split(`"\${${name}}"`).join(String(value)).split(`\${${name}}`).join(String(value));
  }
  const placeholders = aslPlaceholders(text);
  const missing = placeholders.filter((name) => !(name in substitutions));
  const unused = Object.keys(substitutions).filter((name) => !placeholders.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(`${file}: definition substitutions do not match the placeholders ${placeholders.join(', ')}`);
  }
  return { definitionBody: sfn.DefinitionBody.fromString(text), definitionSubstitutions: { ...substitutions } };
}

/**
 * `arn:...:states:<region>:<account>:execution:<stateMachineName>:*`: every execution of one state
 * machine. Execution names are derived from the user at run time (`rotate-<user>-<keyId>`, ...).
 */
export function executionArnPattern(stateMachine: sfn.StateMachine): string {
  return Stack.of(stateMachine).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * TimeoutSeconds of the Task states of an ASL file, by the placeholder of their Resource (the
 * shortest when several states invoke the same function; Infinity when a state sets none).
 */
export function aslTaskTimeouts(file: string): Record<string, number> {
  const definition = JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as {
    States: Record<string, { Type: string; Resource?: string; TimeoutSeconds?: number }>;
  };
  const timeouts: Record<string, number> = {};
  for (const state of Object.values(definition.States)) {
    const placeholder = state.Type === 'Task' ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(state.Resource ?? '')?.[1] : undefined;
    if (placeholder) timeouts[placeholder] = Math.min(state.TimeoutSeconds ?? Infinity, timeouts[placeholder] ?? Infinity);
  }
  return timeouts;
}
