/**
 * Pack parameter rules: what a pack's values (a YAML string) must satisfy before tkeops deploys it.
 * Used when shipped profiles are loaded and when the wizard receives a user's overrides, so an
 * operator sees the same message in both places.
 *
 * - Every pack: values are at most PACK_VALUES_MAX_CHARS long, valid YAML, and a mapping (or empty).
 * - OS pack: `OsName` must be one of OS_IMAGES (the images TKE offers for these clusters).
 * - Add-on packs: every Persistent Volume Claim size, i.e. any `size` key under a key named
 *   `persistence` or `volumeClaimTemplates` (at any depth, through arrays too), plus
 *   `resources.requests.storage` under `volumeClaimTemplates`, is written in Gi or G, is at least
 *   10 and is a multiple of 10.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, YAMLMap } from 'yaml';
import { isOsImage, OS_IMAGES, PACK_VALUES_MAX_CHARS, PVC_MIN_GB, PVC_STEP_GB } from './domain/rules.js';

export { isOsImage, OS_IMAGES, PACK_VALUES_MAX_CHARS, PVC_MIN_GB, PVC_STEP_GB, type OsImage } from './domain/rules.js';


export type PackKind = 'os' | 'addon';

export interface PackInput {
  name: string;
  kind: PackKind;
  values: string;
}

/** One broken rule, written for an operator reading it in a Slack modal. */
export interface PackError {
  /** The pack's name, e.g. `mariadb`. */
  pack: string;
  /** Where in the values: dots for keys, `[i]` for array items (`primary.persistence.size`); '' for the whole document. */
  path: string;
  /** The offending value as written, when there is one. */
  value?: string;
  /** Complete sentence, starting with the pack name: `mariadb: primary.persistence.size 25Gi is not a multiple of 10 GB`. */
  message: string;
  /** 1-based position inside the values text. */
  line?: number;
  column?: number;
}


/**
 * Keys under which charts describe a persistent volume claim: persistence, Persistence,
 * persistentVolume, dataPersistence, ... and a StatefulSet's volumeClaimTemplate(s).
 */
const isPvcParent = (key: string) => /persist/i.test(key);
const isClaimTemplate = (key: string) => /^volumeClaimTemplates?$/.test(key);


/** Checks one pack's values against the rules above; an empty list means the values are fine. */
export function validatePackValues(pack: PackInput): PackError[] {
  if (pack.values.length > PACK_VALUES_MAX_CHARS) {
    return [
      {
        pack: pack.name,
        path: '',
        message: `${pack.name}: values are ${pack.values.length} characters long; the limit is ${PACK_VALUES_MAX_CHARS}`,
      },
    ];
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(pack.values, { lineCounter, prettyErrors: false });
  const where = (node: unknown): { line?: number; column?: number } => {
    const offset = isNode(node) ? node.range?.[0] : undefined;
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    return [
      {
        pack: pack.name,
        path: '',
        message: `${pack.name}: YAML syntax error at line ${line}, column ${col}: ${syntax.message}`,
        line,
        column: col,
      },
    ];
  }

  const root = doc.contents;
  if (root !== null && !isMap(root)) {
    return [
      {
        pack: pack.name,
        path: '',
        message: `${pack.name}: values must be YAML key: value pairs, not a single ${isSeq(root) ? 'list' : 'value'}`,
        ...where(root),
      },
    ];
  }

  return pack.kind === 'os' ? checkOsName(pack.name, doc, where) : checkPvcSizes(pack.name, doc, where);
}

type Where = (node: unknown) => { line?: number; column?: number };

function checkOsName(pack: string, doc: Document, where: Where): PackError[] {
  const choices = OS_IMAGES.join(', ');
  const node = doc.get('OsName', true);
  if (node === undefined || node === null || (isScalar(node) && (node.value === null || node.value === ''))) {
    return [{ pack, path: 'OsName', message: `${pack}: OsName is missing; set it to one of ${choices}` }];
  }
  const value = isScalar(node) ? String(node.value) : String(node).trim();
  if (isScalar(node) && isOsImage(node.value)) return [];
  return [
    {
      pack,
      path: 'OsName',
      value,
      message: `${pack}: OsName "${value}" is not one of ${choices}`,
      ...where(node),
    },
  ];
}

/** `enabled: false`: the chart makes no claim from this map, so its size does not matter. */
const turnedOff = (map: YAMLMap): boolean =>
  map.items.some((pair) => isScalar(pair.key) && pair.key.value === 'enabled' && isScalar(pair.value) && pair.value.value === false);

function checkPvcSizes(pack: string, doc: Document, where: Where): PackError[] {
  const errors: PackError[] = [];
  /** Collections on the current path: guards against an alias that points at its own ancestor. */
  const ancestors = new Set<Node>();

  const visit = (node: unknown, path: (string | number)[], underPvc: boolean, underClaimTemplate: boolean): void => {
    const resolved = isAlias(node) ? node.resolve(doc) : node;
    if (!(isSeq(resolved) || isMap(resolved)) || ancestors.has(resolved)) return;
    ancestors.add(resolved);
    if (isSeq(resolved)) {
      resolved.items.forEach((item, i) => visit(item, [...path, i], underPvc, underClaimTemplate));
    } else if (!(underPvc && turnedOff(resolved))) {
      for (const pair of resolved.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const childPath = [...path, key];
        const isSize =
          (underPvc && key === 'size') ||
          ((underPvc || underClaimTemplate) && key === 'storage' && path[path.length - 1] === 'requests');
        if (isSize) {
          const error = checkSize(pack, formatPath(childPath), pair.value, doc);
          if (error) errors.push({ ...error, ...where(pair.value) });
        } else {
          visit(
            pair.value,
            childPath,
            underPvc || isPvcParent(key) || isClaimTemplate(key),
            underClaimTemplate || isClaimTemplate(key),
          );
        }
      }
    }
    ancestors.delete(resolved);
  };

  visit(doc.contents, [], false, false);
  return errors;
}

const SIZE = /^(\d+(?:\.\d+)?)(Gi|G)$/;

function checkSize(pack: string, path: string, node: unknown, doc: Document): PackError | undefined {
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  const value = isScalar(resolved) ? String(resolved.value ?? '') : String(resolved ?? '').trim();
  const written = value === '' ? '(empty)' : value;
  const fail = (reason: string): PackError => ({ pack, path, value, message: `${pack}: ${path} ${written} ${reason}` });
  const match = isScalar(resolved) && typeof resolved.value === 'string' ? SIZE.exec(resolved.value.trim()) : null;
  if (!match) return fail('must be given in Gi or G, like 20Gi');
  const gb = Number(match[1]);
  if (gb < PVC_MIN_GB) return fail(`is below the ${PVC_MIN_GB} GB minimum`);
  if (gb % PVC_STEP_GB !== 0) return fail(`is not a multiple of ${PVC_STEP_GB} GB`);
  return undefined;
}

/** `['primary', 'persistence', 'size']` → `primary.persistence.size`; numbers become `[i]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
