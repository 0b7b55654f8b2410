import { describe, expect, it } from 'vitest';
import { transition, TransitionRefused } from '../../src/lifecycle/states.js';
import { aCluster } from '../support/clusters.js';

describe('transition()', () => {
  it('moves a cluster along the table', () => {
    const record = aCluster({ status: 'Provisioning' });
    transition(record, 'Running');
    transition(record, 'Deleting');
    transition(record, 'DeletedForced');
    expect(record.status).toBe('DeletedForced');
  });

  it('refuses a move the table does not list, and leaves the status as it was', () => {
    const running = aCluster({ status: 'Running' });
    expect(() => transition(running, 'Provisioning')).toThrow(TransitionRefused);
    expect(running.status).toBe('Running');
    const deleted = aCluster({ status: 'Deleted' });
    expect(() => transition(deleted, 'Deleting')).toThrow('a cluster cannot go from Deleted to Deleting');
  });
});
