/**
 * The cloud accounts on PostgreSQL. `all()` is synchronous (accounts are read around every Tencent
 * call): it answers from the rows loaded at open and reloaded after every change, made here or by
 * another replica (each change NOTIFYs ACCOUNTS_CHANNEL, which database.ts listens on). Secret
 * Keys stay encrypted in the rows (the record's `secretKey`), as in the lowdb file.
 */
import type { Pool } from 'pg';
import type { AccountScope, CloudAccount } from '../../domain/index.js';
import type { AccountRepository } from '../repositories.js';
import { ACCOUNTS_CHANNEL, notifyChange } from './changes.js';
import { json, transaction, uniqueViolation, type Queryable } from './sql.js';

export const scopeKey = (scope: AccountScope): string => (scope.kind === 'tenant' ? 'tenant' : `project:${scope.project}`);

export async function loadAccounts(db: Queryable): Promise<CloudAccount[]> {
  const { rows } = await db.query<{ data: CloudAccount }>('SELECT data FROM accounts ORDER BY seq');
  return rows.map((r) => r.data);
}

export interface PostgresAccounts extends AccountRepository {
  /** Reads the accounts again (after a change made elsewhere: another replica, a key rotation). */
  reload(): Promise<void>;
}

export async function postgresAccounts(pool: Pool): Promise<PostgresAccounts> {
  let cache = await loadAccounts(pool);
  const reload = async () => void (cache = await loadAccounts(pool));
  return {
    all: () => structuredClone(cache),
    reload,
    async insertUnique(account) {
      try {
        await transaction(pool, async (client) => {
          await client.query('INSERT INTO accounts (id, scope_key, name_key, data) VALUES ($1, $2, $3, $4)', [account.id, scopeKey(account.scope), account.name.toLowerCase(), json(account)]);
          await notifyChange(client, ACCOUNTS_CHANNEL);
        });
      } catch (error) {
        if (uniqueViolation(error) === 'accounts_name_key') return false;
        throw error;
      } finally {
        await reload();
      }
      return true;
    },
    async removeUnused(like) {
      const removal = await transaction(pool, async (client) => {
        const { rows } = await client.query<{ data: CloudAccount }>('SELECT data FROM accounts WHERE scope_key = $1 AND name_key = $2 FOR UPDATE', [scopeKey(like.scope), like.name.toLowerCase()]);
        const account = rows[0]?.data;
        if (!account) return { removed: false, reason: 'not_found' } as const;
        const users = await client.query<{ name: string }>("SELECT data->'spec'->>'name' AS name FROM clusters WHERE account_id = $1 AND NOT gone ORDER BY seq", [account.id]);
        if (users.rows.length > 0) return { removed: false, reason: 'in_use', clusters: users.rows.map((r) => r.name) } as const;
        await client.query('DELETE FROM accounts WHERE id = $1', [account.id]);
        await notifyChange(client, ACCOUNTS_CHANNEL);
        return { removed: true, account } as const;
      });
      if (removal.removed) await reload();
      return removal;
    },
  };
}
