import type { z } from 'zod';
import { ApiError, invalidParameter, invalidParameterValue, missingParameter } from './errors.js';

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'array'
        ? `at most ${String(issue.maximum)} items are allowed`
        : issue.origin === 'string'
          ? `at most ${String(issue.maximum)} characters are allowed`
          : `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `at least ${String(issue.minimum)} items are required`
        : issue.origin === 'string'
          ? `must not be empty`
          : `must be at least ${String(issue.minimum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * Checks request parameters against a schema mirroring the SDK's *_models.d.ts, answering like
 * Tencent: a required field absent → MissingParameter, a field of the wrong type →
 * InvalidParameter, a value out of range or not allowed → InvalidParameterValue; the field is
 * named by its path (e.g. `ClusterBasicSettings.VpcId`, `ResourceDeleteOptions.0.DeleteMode`).
 */
export function validateParams<S extends z.ZodType>(schema: S, params: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ApiError('InvalidParameter', 'The request parameters are not valid.');
  const field = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.') || 'request';
  if (issue.code !== 'custom' && valueAt(params, issue.path) === undefined) throw missingParameter(field);
  if (issue.code === 'invalid_type') throw invalidParameter(field, `expected ${issue.expected}`);
  throw invalidParameterValue(field, describeIssue(issue));
}

/** A parameter that carries a JSON document in a string (e.g. AutoScalingGroupPara). */
export function parseJsonParam<S extends z.ZodType>(field: string, text: string, schema: S): z.output<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameterValue(field, 'expected a JSON-encoded string');
  }
  return validateParams(schema, parsed, field);
}
