import { describe, expect, it } from 'vitest';
import { transition, TransitionRefused } from '../../src/lifecycle/states.js';
import { aCluster } from '../support/clusters.js';

const AT = '2026-01-01T09:00:33.000Z';

describe('transition()', () => {
  it('moves a cluster along the table', () => {
    const record = aCluster({ status: 'Provisioning' });
    transition(record, 'Running', AT);
    transition(record, 'Deleting', AT);
    transition(record, 'DeletedForced', AT);
    expect(record.status).toBe('DeletedForced');
  });

  it('refuses a move the table does not list, and leaves the status as it was', () => {
    const running = aCluster({ status: 'Running' });
    expect(() => transition(running, 'Provisioning', AT)).toThrow(TransitionRefused);
    expect(running.status).toBe('Running');
    const deleted = aCluster({ status: 'Deleted' });
    expect(() => transition(deleted, 'Deleting', AT)).toThrow('a cluster cannot go from Deleted to Deleting');
  });

  it('records when a cluster failed, and keeps that time when a refused deletion puts it back', () => {
    const record = aCluster({ status: 'Provisioning' });
    transition(record, 'Failed', AT);
    expect(record.failedAt).toBe(AT);
    transition(record, 'Deleting', '2026-01-01T10:00:00.000Z');
    transition(record, 'Failed', '2026-01-01T10:00:01.000Z');
    expect(record).toMatchObject({ status: 'Failed', failedAt: AT });
  });

  it('moves a request awaiting approval to Creating or Rejected only: nothing to delete, and Rejected is an end', () => {
    const approved = aCluster({ status: 'AwaitingApproval' });
    transition(approved, 'Creating', AT);
    expect(approved.status).toBe('Creating');
    const waiting = aCluster({ status: 'AwaitingApproval' });
    expect(() => transition(waiting, 'Deleting', AT)).toThrow('a cluster cannot go from AwaitingApproval to Deleting');
    transition(waiting, 'Rejected', AT);
    expect(() => transition(waiting, 'Creating', AT)).toThrow(TransitionRefused);
  });
});
