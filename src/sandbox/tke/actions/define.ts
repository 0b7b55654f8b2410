import { z } from 'zod';
import type { EmulatorState, ResourceTag, Scope } from '../state.js';
import { validateParams } from '../validation.js';
import { ApiError, invalidParameterValue } from '../errors.js';

export type ServiceName = 'tke' | 'cvm' | 'vpc' | 'cbs' | 'clb';

export const SERVICE_VERSIONS: Record<ServiceName, string> = {
  tke: '2018-05-25',
  cvm: '2017-03-12',
  vpc: '2017-03-12',
  cbs: '2017-03-12',
  clb: '2018-03-17',
};

export interface ActionContext {
  state: EmulatorState;
  scope: Scope;
}

/** One emulated API action: validates its request, then answers the Response body (without RequestId). */
export interface ActionDefinition {
  service: ServiceName;
  version: string;
  action: string;
  /** Whether the X-TC-Region header must name a seeded region. */
  regional: boolean;
  run(context: ActionContext, params: unknown): object;
}

export function defineAction<S extends z.ZodType>(definition: {
  service: ServiceName;
  action: string;
  regional?: boolean;
  schema: S;
  handle: (context: ActionContext, request: z.output<S>) => object;
}): ActionDefinition {
  return {
    service: definition.service,
    version: SERVICE_VERSIONS[definition.service],
    action: definition.action,
    regional: definition.regional ?? true,
    run: (context, params) => definition.handle(context, validateParams(definition.schema, params)),
  };
}

// ---- pieces shared by several request schemas (all mirror *_models.d.ts) -----------------------

export const filterSchema = z.object({ Name: z.string(), Values: z.array(z.string()) });
export type RequestFilter = z.output<typeof filterSchema>;

export const offsetSchema = z.int().min(0).optional();
export const limitSchema = z.int().min(0).max(100).optional();
/** VPC's DescribeVpcs/DescribeSubnets declare Offset and Limit as strings. */
export const stringNumberSchema = (max?: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a non-negative integer written as a string')
    .refine((v) => max === undefined || Number(v) <= max, `must be at most ${String(max)}`)
    .optional();

export function page<T>(items: T[], offset = 0, limit = 20): T[] {
  return items.slice(offset, offset + limit);
}

export const tagsOf = (tags: ResourceTag[]) => tags.map((t) => ({ Key: t.key, Value: t.value }));

export const isoTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const spaceTime = (ms: number): string => isoTime(ms).replace('T', ' ').replace('Z', '');

/**
 * Applies Tencent-style filters (AND between filters, OR between values) with the given
 * per-name matchers; `tag:<key>` and `tag-key` work for every tagged resource. An unknown
 * filter name is refused like CVM does (InvalidFilter).
 */
export function applyFilters<T>(
  items: T[],
  filters: RequestFilter[] | undefined,
  matchers: Record<string, (item: T, value: string) => boolean>,
  tags?: (item: T) => ResourceTag[],
  limits: { maxFilters?: number; maxValues?: number } = {},
): T[] {
  const list = filters ?? [];
  if (limits.maxFilters !== undefined && list.length > limits.maxFilters) {
    throw invalidParameterValue('Filters', `at most ${String(limits.maxFilters)} filters are allowed`);
  }
  const predicates = list.map((filter, i) => {
    if (limits.maxValues !== undefined && filter.Values.length > limits.maxValues) {
      throw invalidParameterValue(`Filters.${String(i)}.Values`, `at most ${String(limits.maxValues)} values are allowed`);
    }
    const matcher = matchers[filter.Name];
    if (matcher) return (item: T) => filter.Values.some((v) => matcher(item, v));
    if (tags && filter.Name.startsWith('tag:')) {
      const key = filter.Name.slice(4);
      return (item: T) => tags(item).some((t) => t.key === key && filter.Values.includes(t.value));
    }
    if (tags && filter.Name === 'tag-key') return (item: T) => tags(item).some((t) => filter.Values.includes(t.key));
    throw new ApiError('InvalidFilter', `The filter \`${filter.Name}\` is not supported.`);
  });
  return items.filter((item) => predicates.every((p) => p(item)));
}
