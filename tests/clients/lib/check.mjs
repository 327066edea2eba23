// Shared by the client tests: the server's URL, waiting for it, and a `fetch` that records every
// GraphQL response and checks its shape against schema.graphql.
//
// The shape check re-executes the request's own document with graphql-js over the response's
// `data` (each field reads its response key; abstract types resolve by `__typename`). A
// conformant response comes back byte for byte: every selected key present, in the order of
// the selection set (spec §7.2.2 / CollectFields), nulls only in nullable positions. Any
// difference is reported with the query, the variables and the response.
import { readFileSync } from 'node:fs';
import { buildSchema, execute, parse } from 'graphql';

export const url = process.env.CITYNET_URL ?? 'http://127.0.0.1:8000/graphql';

export const schemaSdl = readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8');
export const schema = buildSchema(schemaSdl);

export async function waitForServer(timeoutMs = 60_000) {
  const health = new URL('/health', url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(health);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${health} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function firstDifference(expected, actual, path = '') {
  if (expected === actual) return null;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${path || '(root)'}: ${actual.length} items where the schema-conformant response has ${expected.length}`;
    }
    for (let i = 0; i < expected.length; i += 1) {
      const difference = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return null;
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    const expectedKeys = Object.keys(expected);
    const actualKeys = Object.keys(actual);
    const missing = expectedKeys.filter((key) => !(key in actual));
    if (missing.length) return `${path || '(root)'}: selected key(s) missing: ${missing.join(', ')}`;
    const extra = actualKeys.filter((key) => !(key in expected));
    if (extra.length) return `${path || '(root)'}: key(s) not selected: ${extra.join(', ')}`;
    if (expectedKeys.join() !== actualKeys.join()) {
      return `${path || '(root)'}: keys in the order [${actualKeys.join(', ')}], the selection set's order is [${expectedKeys.join(', ')}]`;
    }
    for (const key of expectedKeys) {
      const difference = firstDifference(expected[key], actual[key], path ? `${path}.${key}` : key);
      if (difference) return difference;
    }
    return null;
  }
  return `${path || 'data'} is ${JSON.stringify(actual)}; a conformant response (nulls propagated to the nearest nullable parent) has ${JSON.stringify(expected)}`;
}

/** Problems with one response to `{ query, variables, operationName }`, as strings. */
export function shapeProblems(request, body) {
  const problems = [];
  if (body.errors?.length) problems.push(`errors: ${JSON.stringify(body.errors)}`);
  if (!('data' in body)) {
    problems.push('no data entry');
    return problems;
  }
  if (body.data === null) return problems; // a nulled root is conformant when errors say why
  const missing = [];
  const pathOf = (path) => {
    const keys = [];
    for (let p = path; p; p = p.prev) keys.unshift(p.key);
    return keys.join('.');
  };
  const result = execute({
    schema,
    document: parse(request.query),
    rootValue: body.data,
    variableValues: request.variables ?? {},
    operationName: request.operationName ?? undefined,
    fieldResolver: (source, _args, _context, info) => {
      if (source && typeof source === 'object' && !(info.path.key in source)) {
        missing.push(`${pathOf(info.path)} (${info.parentType.name}.${info.fieldName}: ${info.returnType})`);
      }
      return source?.[info.path.key];
    },
    typeResolver: (value) => value?.__typename,
  });
  if (missing.length) problems.push(`selected key(s) missing from the response: ${missing.join(', ')}`);
  for (const error of result.errors ?? []) {
    problems.push(`not schema-conformant at ${error.path?.join('.') ?? '?'}: ${error.message}`);
  }
  const difference = firstDifference(result.data, body.data);
  if (difference) problems.push(difference);
  return problems;
}

function requestOf(input, init) {
  const method = (init?.method ?? 'GET').toUpperCase();
  if (method === 'GET') {
    const params = new URL(typeof input === 'string' ? input : input.url).searchParams;
    return {
      query: params.get('query'),
      variables: params.get('variables') ? JSON.parse(params.get('variables')) : undefined,
      operationName: params.get('operationName') ?? undefined,
      method,
    };
  }
  return { ...JSON.parse(init.body), method };
}

/**
 * A `fetch` for a client's HTTP transport that records each exchange and its shape problems.
 * `recorder.report()` formats the problems with their query and response.
 */
export function recorder(label) {
  const exchanges = [];
  const problems = [];
  const recordingFetch = async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    const request = requestOf(input, init);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push({ request, status: response.status, text, problems: ['response is not JSON'] });
      return response;
    }
    exchanges.push({ request, body });
    const found = shapeProblems(request, body);
    if (found.length) problems.push({ request, status: response.status, text, problems: found });
    return response;
  };
  return {
    fetch: recordingFetch,
    exchanges,
    problems,
    report() {
      return problems
        .map(
          (entry) =>
            `[${label}] ${entry.problems.join('; ')}\n` +
            `  ${entry.request.method} query: ${entry.request.query.replace(/\s+/g, ' ').trim()}\n` +
            `  variables: ${JSON.stringify(entry.request.variables ?? {})}\n` +
            `  response (HTTP ${entry.status}): ${entry.text}`,
        )
        .join('\n');
    },
  };
}

/** Collects console.warn/console.error output (where Apollo and graphcache report problems). */
export function captureConsole() {
  const messages = [];
  const original = { warn: console.warn, error: console.error };
  for (const level of ['warn', 'error']) {
    console[level] = (...args) => {
      messages.push(
        `console.${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      );
      original[level](...args);
    };
  }
  return {
    messages,
    restore() {
      Object.assign(console, original);
    },
  };
}
