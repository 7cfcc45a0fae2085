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
