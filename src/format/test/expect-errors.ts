import { expect } from 'vitest';
import { OSError } from '../errors';

/** The message of the OSError that `fn` throws; fails the test if it throws anything else or nothing. */
export function osError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OSError);
    return (e as Error).message;
  }
  throw new Error('expected an OSError');
}
