/** The local stack's state file: where other terminals find the running stack, and stale files. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findStack,
  parseState,
  readState,
  removeOwnState,
  stackHome,
  StackAlreadyRunningError,
  stateFilePath,
  writeStateExclusive,
  type StackState,
} from '../../functions/local/stack/state';

const home = () => join(mkdtempSync(join(tmpdir(), 'stack-state-')), 'home');
const state = (pid: number): StackState => ({
  pid,
  apiUrl: 'http://127.0.0.1:4510/',
  endpoint: 'http://127.0.0.1:5000',
  motoOwned: true,
  timeScale: 1440,
  logFile: '/tmp/x.log',
  startedAt: '2026-11-30T00:00:00.000Z',
  token: 'secret-token',
});
const alive = (pids: number[]) => (pid: number) => pids.includes(pid);

describe('local stack state file', () => {
  it('lives under IAM_LIFECYCLE_HOME, else ~/.iam-lifecycle', () => {
    // Act
    const isolated = stackHome({ IAM_LIFECYCLE_HOME: '/tmp/isolated' });
    const fallback = stackHome({});
    // Assess
    expect(isolated).toBe('/tmp/isolated');
    expect(fallback).toMatch(/\.iam-lifecycle$/);
  });

  it('is written once, readable by the owner only, and found while its process runs', () => {
    // Prepare
    const dir = home();
    // Act
    writeStateExclusive(dir, state(101), alive([101]));
    const found = findStack(dir, alive([101]));
    // Assess
    expect(found).toEqual({ kind: 'running', state: state(101) });
    expect(statSync(stateFilePath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a second stack while the first runs, and replaces a stale file', () => {
    // Prepare
    const dir = home();
    writeStateExclusive(dir, state(101), alive([101, 202]));
    // Act
    const second = () => writeStateExclusive(dir, state(202), alive([101, 202]));
    const afterFirstDied = () => writeStateExclusive(dir, state(303), alive([303]));
    // Assess
    expect(second).toThrow(StackAlreadyRunningError);
    expect(second).toThrow(/already running \(pid 101, API http:\/\/127\.0\.0\.1:4510\/\)/);
    afterFirstDied();
    expect(readState(dir)).toEqual(state(303));
  });

  it('removes a state file whose process no longer runs, or that it cannot read', () => {
    // Prepare
    const dead = home();
    writeStateExclusive(dead, state(101), alive([101]));
    const garbled = home();
    writeStateExclusive(garbled, state(101), alive([101]));
    writeFileSync(stateFilePath(garbled), '{"pid": "not a number"');
    // Act
    const foundDead = findStack(dead, alive([]));
    const foundGarbled = findStack(garbled, alive([101]));
    // Assess
    expect(foundDead).toEqual({ kind: 'stale', state: state(101) });
    expect(readState(dead)).toBeUndefined();
    expect(foundGarbled).toEqual({ kind: 'stale' });
    expect(readState(garbled)).toBeUndefined();
    expect(findStack(dead, alive([]))).toEqual({ kind: 'none' });
  });

  it('is removed by its own process only', () => {
    // Prepare
    const dir = home();
    writeStateExclusive(dir, state(101), alive([101]));
    // Act
    removeOwnState(dir, 999);
    const afterOther = readFileSync(stateFilePath(dir), 'utf8');
    removeOwnState(dir, 101);
    // Assess
    expect(parseState(afterOther)).toEqual(state(101));
    expect(readState(dir)).toBeUndefined();
  });

  it('reads only what this version writes', () => {
    // Act
    const parsed = [
      parseState(JSON.stringify(state(7))),
      parseState(JSON.stringify({ ...state(7), pid: -1 })),
      parseState(JSON.stringify({ ...state(7), motoOwned: 'yes' })),
      parseState('null'),
    ];
    // Assess
    expect(parsed).toEqual([state(7), undefined, undefined, undefined]);
  });
});
