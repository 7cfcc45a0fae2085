/**
 * Progress while a command waits on a workflow: one line per state entered (with its time) and, at
 * most every 5 s while nothing changes, what is awaited and until when. Local mode feeds it the
 * runner's history events (LocalEnvironmentOptions.onEvent); deployed `--wait` feeds it the state
 * it reads from the execution history.
 */
import { loadDefinition } from '../local/runner';
import type { HistoryEvent } from '../local/runner';
import type { WorkflowKind } from '../shared/workflows';

type Print = (line: string) => void;

const ASL_FILES: Record<WorkflowKind, string> = {
  rotation: 'key-rotation.asl.json',
  offboarding: 'offboarding.asl.json',
  exposure: 'exposure.asl.json',
};

/** `2026-11-30T21:27:48Z`: to the second, UTC. */
export const at = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Wait state name -> its SecondsPath, per workflow kind (read from the ASL files). */
function waitPaths(kind: WorkflowKind): Record<string, string> {
  const states = loadDefinition(ASL_FILES[kind]).States as Record<string, { Type?: string; SecondsPath?: string }>;
  return Object.fromEntries(
    Object.entries(states).flatMap(([name, s]) => (s.Type === 'Wait' && s.SecondsPath ? [[name, s.SecondsPath]] : [])),
  );
}

function readPath(input: unknown, path: string): unknown {
  let value: unknown = input;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

/** A string field named `field` anywhere in the first levels of `input` (e.g. deleteAfter). */
function findField(input: unknown, field: string, depth = 3): string | undefined {
  if (!input || typeof input !== 'object' || depth < 0) return undefined;
  const record = input as Record<string, unknown>;
  if (typeof record[field] === 'string') return record[field];
  for (const value of Object.values(record)) {
    const found = findField(value, field, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/** What a Wait state awaits and until when, in words. */
export function describeWait(stateName: string, input: unknown, until: Date): string {
  const deadline = findField(input, 'deadlineAt');
  const deleteAfter = findField(input, 'deleteAfter');
  switch (stateName) {
    case 'WaitForCutover':
      return `next cutover check at ${at(until)}${deadline ? `, cutover deadline ${deadline}` : ''}`;
    case 'ObserveGracePeriod':
      return `grace period: old key ${String(findField(input, 'oldAccessKeyId') ?? '')} is deleted at ${at(until)} unless rolled back`;
    case 'WaitBeforeCheck':
      return `next check that the user is still disabled at ${at(until)}${deleteAfter ? `, deletion due ${deleteAfter}` : ''}`;
    case 'WaitForStoppedSteps':
      return `restore starts at ${at(until)}`;
    default:
      return `waiting until ${at(until)}`;
  }
}

interface Watched {
  state: string;
  enteredAt: Date;
  lastPrinted: number;
  awaiting?: string;
}

export class Progress {
  private readonly watched = new Map<string, Watched>();
  private readonly waits = new Map<WorkflowKind, Record<string, string>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly print: Print,
    private readonly now: () => Date = () => new Date(),
    private readonly everyMs = 5000,
  ) {}

  /** The local runner's history events (LocalEnvironmentOptions.onEvent). */
  readonly onEvent = (kind: WorkflowKind, name: string, event: HistoryEvent): void => {
    if (event.type === 'StateEntered' && event.stateName) {
      this.entered(kind, name, event.stateName, new Date(event.timestamp || this.now().getTime()), event.input);
    } else if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(event.type)) {
      this.watched.delete(name);
    }
  };

  /** A state was entered (local event, or read from a deployed execution's history). */
  entered(kind: WorkflowKind, name: string, stateName: string, enteredAt: Date, input?: unknown): void {
    let paths = this.waits.get(kind);
    if (!paths) {
      paths = waitPaths(kind);
      this.waits.set(kind, paths);
    }
    const secondsPath = paths[stateName];
    const seconds = secondsPath ? Number(readPath(input, secondsPath)) : NaN;
    const awaiting = Number.isFinite(seconds)
      ? describeWait(stateName, input, new Date(enteredAt.getTime() + seconds * 1000))
      : undefined;
    this.watched.set(name, { state: stateName, enteredAt, lastPrinted: this.now().getTime(), ...(awaiting ? { awaiting } : {}) });
    this.print(`  ${at(enteredAt)} ${name}: ${stateName}${awaiting ? ` (${awaiting})` : ''}`);
  }

  /** Starts the "still waiting" lines (at most one per execution every `everyMs`). */
  start(): this {
    this.timer ??= setInterval(() => this.tick(), Math.min(1000, this.everyMs));
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const now = this.now();
    for (const [name, w] of this.watched) {
      if (now.getTime() - w.lastPrinted < this.everyMs) continue;
      w.lastPrinted = now.getTime();
      this.print(`  ${at(now)} ${name}: still in ${w.state}${w.awaiting ? `: ${w.awaiting}` : ` (since ${at(w.enteredAt)})`}`);
    }
  }
}
