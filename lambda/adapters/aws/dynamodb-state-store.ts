/**
 * StateStore on DynamoDB: one item per instance (`pk` = instance id) and per HA group
 * (`pk` = `group#<name>`), TTL attribute `ttl` (epoch seconds). Table: partition key `pk` (S), no sort key.
 *
 * Optimistic concurrency: every write carries a condition on `version`, so of two runs that read the
 * same version only one write succeeds (DynamoDB evaluates the condition and the write atomically).
 *
 * A record with pending alerts also carries `pendingScope` (its scope), the key of the sparse index
 * `pending-alerts` (lambda/contract.ts, STATE_TABLE_KEYS): every write replaces the whole item, so the
 * attribute, and the record's index entry with it, goes with the last pending alert.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  PutItemCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import { STATE_TABLE_KEYS } from '../../contract.ts';
import type { GroupState, InstanceState, RecordScope } from '../../core/state/instance-state.ts';
import type { PendingRecords, StateStore } from '../../ports.ts';
import { clientOptions } from './client-options.ts';

const { groupKeyPrefix: GROUP_KEY_PREFIX, pendingIndex: PENDING_INDEX } = STATE_TABLE_KEYS;
/** BatchGetItem reads at most 100 items per call. */
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 5;
/** Keys per Query page: a page of keys is small, so this only bounds one answer's size. */
const QUERY_PAGE_LIMIT = 100;

export interface DynamoDbStateStoreProps {
  readonly tableName: string;
  /** @default new DynamoDBClient(clientOptions('dynamodb')) (region and credentials from the Lambda environment) */
  readonly client?: DynamoDBClient;
  /** Ends every call, retries included, when it aborts (the run's deadline). @default none */
  readonly signal?: AbortSignal;
}

export class DynamoDbStateStore implements StateStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly sendOptions: { abortSignal?: AbortSignal };

  constructor(props: DynamoDbStateStoreProps) {
    this.tableName = props.tableName;
    this.client = props.client ?? new DynamoDBClient(clientOptions('dynamodb'));
    this.sendOptions = props.signal ? { abortSignal: props.signal } : {};
  }

  async get(instanceIds: readonly string[]): Promise<Map<string, InstanceState>> {
    const items = await this.batchGet(instanceIds);
    const out = new Map<string, InstanceState>();
    for (const [pk, item] of items) out.set(pk, item as unknown as InstanceState);
    return out;
  }

  async getGroups(groups: readonly string[]): Promise<Map<string, GroupState>> {
    const items = await this.batchGet(groups.map((g) => GROUP_KEY_PREFIX + g));
    const out = new Map<string, GroupState>();
    for (const [pk, item] of items) out.set(pk.slice(GROUP_KEY_PREFIX.length), item as unknown as GroupState);
    return out;
  }

  put(state: InstanceState, expectedVersion: number): Promise<'ok' | 'conflict'> {
    return this.conditionalPut(state.instanceId, 'instance', state, expectedVersion);
  }

  putGroup(state: GroupState, expectedVersion: number): Promise<'ok' | 'conflict'> {
    return this.conditionalPut(GROUP_KEY_PREFIX + state.group, 'group', state, expectedVersion);
  }

  /**
   * One Query of the sparse index, paginated. The index is eventually consistent (global secondary indexes
   * support no strongly consistent reads): an entry may be missing for a record written a moment ago (the
   * next run finds it) or linger for one just settled. Neither costs an alert: the caller re-reads every
   * record by key, consistently, and settles it through the same conditional write as any other.
   */
  async listPending(scope: RecordScope, limit: number): Promise<PendingRecords> {
    const instanceIds: string[] = [];
    const groups: string[] = [];
    if (limit <= 0) return { instanceIds, groups };
    const pages = paginateQuery(
      { client: this.client, pageSize: Math.min(limit, QUERY_PAGE_LIMIT) },
      {
        TableName: this.tableName,
        IndexName: PENDING_INDEX.name,
        KeyConditionExpression: '#scope = :scope',
        ExpressionAttributeNames: { '#scope': PENDING_INDEX.partitionKey },
        ExpressionAttributeValues: { ':scope': { S: scope } },
      },
      this.sendOptions,
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const pk = item[PENDING_INDEX.sortKey]?.S;
        if (pk === undefined) continue;
        if (pk.startsWith(GROUP_KEY_PREFIX)) groups.push(pk.slice(GROUP_KEY_PREFIX.length));
        else instanceIds.push(pk);
        if (instanceIds.length + groups.length >= limit) return { instanceIds, groups };
      }
    }
    return { instanceIds, groups };
  }

  private async conditionalPut(
    pk: string,
    kind: string,
    state: InstanceState | GroupState,
    expectedVersion: number,
  ): Promise<'ok' | 'conflict'> {
    const record = { ...state, version: expectedVersion + 1 };
    const { scope } = state;
    const item = {
      ...toAttributeMap(record),
      pk: { S: pk },
      kind: { S: kind },
      ...(scope !== undefined && state.pendingAlerts.length > 0
        ? { [PENDING_INDEX.partitionKey]: { S: scope } }
        : {}),
    };
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
          };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...condition }),
        this.sendOptions,
      );
      return 'ok';
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return 'conflict';
      throw error;
    }
  }

  private async batchGet(keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    // BatchGetItem rejects a request that names the same key twice.
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let request: Record<string, AttributeValue>[] = unique
        .slice(i, i + BATCH_GET_LIMIT)
        .map((pk) => ({ pk: { S: pk } }));
      for (let attempt = 0; request.length > 0; attempt += 1) {
        if (attempt > UNPROCESSED_RETRIES)
          throw new Error(`DynamoDB left ${request.length} keys unprocessed`);
        // Unprocessed keys mean throttling: AWS advises exponential backoff before retrying them. The call
        // itself succeeded, so the SDK's retry strategy never sees them: this loop is not a copy of it.
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const res = await this.client.send(
          new BatchGetItemCommand({
            // Consistent reads: the version read must be the latest, or the condition fails for nothing.
            RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true } },
          }),
          this.sendOptions,
        );
        for (const item of res.Responses?.[this.tableName] ?? []) {
          const { pk, kind: _kind, [PENDING_INDEX.partitionKey]: _indexed, ...rest } = fromAttributeMap(item);
          out.set(String(pk), rest);
        }
        request = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, AttributeValue>[];
      }
    }
    return out;
  }
}

/** Plain JSON → DynamoDB attribute values; `undefined` members are left out, as JSON.stringify does. */
function toAttributeValue(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') return Number.isFinite(value) ? { N: String(value) } : { NULL: true };
  if (Array.isArray(value)) return { L: value.map((v) => toAttributeValue(v ?? null)) };
  if (typeof value === 'object') return { M: toAttributeMap(value as Record<string, unknown>) };
  throw new TypeError(`cannot store a ${typeof value} in DynamoDB`);
}

function toAttributeMap(record: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = toAttributeValue(v);
  return out;
}

function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromAttributeMap(value.M);
  throw new TypeError('unsupported DynamoDB attribute type in a port22 item');
}

export function fromAttributeMap(map: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) out[k] = fromAttributeValue(v);
  return out;
}
