import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateContinuousBackupsCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TeamChainError, type StoredTeamEntry, type TeamChain } from './team-chain';
import type { TeamEntry, TeamHead } from './team-entry';
import { EMPTY_HEAD } from './team-entry';

/** Every entry lives under one partition key value, ordered by `seq`. */
const PARTITION = 'revocations';

/** Where a DynamoDB chain is, for its id: the endpoint's origin, else the region (one id however it was typed). */
export function dynamoChainWhere(endpoint: string | undefined, region: string): string {
  if (!endpoint) return region;
  try {
    return new URL(endpoint).origin;
  } catch {
    return endpoint;
  }
}

export { defaultLedgerTable } from '../../src-shared/team-ledger';

/** The id of the chain in `table` at `where` (see `dynamoChainWhere`), known without connecting. */
export function dynamoChainId(where: string, table: string): string {
  return `dynamodb:${where}/${table}`;
}

/**
 * The team ledger in a DynamoDB table (schema in the README): partition key `ledger` (S, always
 * "revocations"), sort key `seq` (N). Each item keeps the entry as written (`entry`, the JSON text
 * its hash covers) and a few plain attributes to read it by (`hash`, `time`, `operator`, `device`).
 * An append is one transaction: every new item `attribute_not_exists(seq)`, and the entry it
 * chains onto still carrying the hash the writer read.
 */
export class DynamoTeamChain implements TeamChain {
  readonly id: string;
  readonly label: string;
  /** 100 items per transaction, one of them the check of the entry chained onto. */
  readonly maxBatch = 99;
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  /** `where` names the endpoint or region, so the same table name elsewhere is another chain. */
  constructor(client: DynamoDBClient | DynamoDBDocumentClient, table: string, where: string) {
    this.#doc = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
    this.#table = table;
    this.id = dynamoChainId(where, table);
    this.label = `DynamoDB table ${table}`;
  }

  async tail(): Promise<TeamHead> {
    const [last] = await this.readNewest(null, 1);
    if (!last) return EMPTY_HEAD;
    return { seq: last.seq, hash: hashOf(last.text) };
  }

  async append(entries: TeamEntry[], after: TeamHead): Promise<boolean> {
    if (entries.length === 0) return true;
    if (entries.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} entries per append`);
    const items = entries.map((e) => ({
      Put: {
        TableName: this.#table,
        Item: { ledger: PARTITION, seq: e.seq, hash: e.hash, entry: JSON.stringify(e), time: e.entry.time, operator: e.entry.operator, device: e.device },
        ConditionExpression: 'attribute_not_exists(seq)',
      },
    }));
    const check =
      after.seq > 0
        ? [{ ConditionCheck: { TableName: this.#table, Key: { ledger: PARTITION, seq: after.seq }, ConditionExpression: '#h = :h', ExpressionAttributeNames: { '#h': 'hash' }, ExpressionAttributeValues: { ':h': after.hash } } }]
        : [];
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: [...check, ...items] }));
      return true;
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      // Lost the race: the position is taken, or another writer's transaction was on it at the same moment.
      if ((error as Error).name === 'TransactionCanceledException' && reasons?.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) return false;
      throw explain(error, this.#table);
    }
  }

  read(fromSeq: number, limit: number): Promise<StoredTeamEntry[]> {
    return this.#query({ KeyConditionExpression: 'ledger = :p AND seq >= :s', ExpressionAttributeValues: { ':p': PARTITION, ':s': fromSeq }, ScanIndexForward: true }, limit);
  }

  readNewest(beforeSeq: number | null, limit: number): Promise<StoredTeamEntry[]> {
    return beforeSeq === null
      ? this.#query({ KeyConditionExpression: 'ledger = :p', ExpressionAttributeValues: { ':p': PARTITION }, ScanIndexForward: false }, limit)
      : this.#query({ KeyConditionExpression: 'ledger = :p AND seq < :s', ExpressionAttributeValues: { ':p': PARTITION, ':s': beforeSeq }, ScanIndexForward: false }, limit);
  }

  async at(seq: number): Promise<StoredTeamEntry | null> {
    try {
      const { Item } = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: { ledger: PARTITION, seq }, ConsistentRead: true }));
      return Item ? stored(Item) : null;
    } catch (error) {
      throw explain(error, this.#table);
    }
  }

  async close(): Promise<void> {
    // The client belongs to the connection that opened this chain.
  }

  async #query(input: { KeyConditionExpression: string; ExpressionAttributeValues: Record<string, unknown>; ScanIndexForward: boolean }, limit: number): Promise<StoredTeamEntry[]> {
    const out: StoredTeamEntry[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.#doc.send(
          new QueryCommand({ TableName: this.#table, ...input, ProjectionExpression: 'seq, entry', ConsistentRead: true, Limit: limit - out.length, ...(start ? { ExclusiveStartKey: start } : {}) }),
        );
        for (const item of page.Items ?? []) out.push(stored(item));
        start = page.LastEvaluatedKey;
      } while (start && out.length < limit);
    } catch (error) {
      throw explain(error, this.#table);
    }
    return out;
  }
}

/**
 * Creates the team ledger table: on-demand billing, then point-in-time recovery (so an overwritten
 * or deleted entry can still be recovered). Says what it did; an existing table is left as it is.
 */
export async function createLedgerTable(client: DynamoDBClient, table: string): Promise<{ created: boolean; pointInTimeRecovery: 'enabled' | 'failed'; detail?: string }> {
  let created = false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'ledger', AttributeType: 'S' },
          { AttributeName: 'seq', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'ledger', KeyType: 'HASH' },
          { AttributeName: 'seq', KeyType: 'RANGE' },
        ],
      }),
    );
    created = true;
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw explain(error, table);
  }
  await waitUntilTableExists({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: table });
  try {
    await client.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    return { created, pointInTimeRecovery: 'enabled' };
  } catch (error) {
    return { created, pointInTimeRecovery: 'failed', detail: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** Whether the table is there (for a connection test). */
export async function describeLedgerTable(client: DynamoDBClient, table: string): Promise<'ok' | 'missing'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return 'ok';
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return 'missing';
    throw explain(error, table);
  }
}

function stored(item: Record<string, unknown>): StoredTeamEntry {
  if (typeof item.seq !== 'number' || typeof item.entry !== 'string') throw new TeamChainError(`an item of the team ledger is not an entry (seq ${String(item.seq)})`, 'malformed');
  return { seq: item.seq, text: item.entry };
}

/** The hash a stored text declares (checked in full by the verifier, not here). */
function hashOf(text: string): string {
  try {
    const hash = (JSON.parse(text) as { hash?: unknown }).hash;
    if (typeof hash === 'string') return hash;
  } catch {
    // fall through
  }
  throw new TeamChainError('the last entry of the team ledger is not an entry', 'malformed');
}

function explain(error: unknown, table: string): Error {
  const name = (error as Error).name;
  if (name === 'ResourceNotFoundException') return new TeamChainError(`the team ledger table "${table}" does not exist: create it with \`session-warden ledger init\` (or the Connections screen)`, 'missing', { cause: error });
  if (name === 'AccessDeniedException') return new TeamChainError(`access to the team ledger table "${table}" was denied: ${(error as Error).message}`, 'denied', { cause: error });
  if (error instanceof TeamChainError) return error;
  return new TeamChainError(`the team ledger table "${table}" could not be reached: ${name}: ${(error as Error).message}`, 'unreachable', { cause: error });
}
