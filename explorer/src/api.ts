// The GraphQL client: every operation is sent as a persisted query (Automatic Persisted
// Queries, as Apollo's link does): a GET with the document's SHA-256 only, so that the server
// and HTTP caches can answer it; on PERSISTED_QUERY_NOT_FOUND (the first time) a POST with the
// document registers it. Without Web Crypto (a page served over plain HTTP to another host) the
// document is POSTed each time.

const endpoint = new URL("/graphql", window.location.href);
const accept = { accept: "application/graphql-response+json, application/json" };

/** A GraphQL error the API returned, with its `extensions.code`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLBody<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL operation: its document and the variables it was sent with. */
export interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

async function sha256(text: string): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function parse<T>(response: Response): Promise<GraphQLBody<T>> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) {
    throw new ApiError(`the API answered ${response.status} ${response.statusText}`, undefined);
  }
  return (await response.json()) as GraphQLBody<T>;
}

function post<T>(body: object, signal?: AbortSignal): Promise<GraphQLBody<T>> {
  return fetch(endpoint, {
    method: "POST",
    headers: { ...accept, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  }).then((response) => parse<T>(response));
}

const notPersisted = (body: GraphQLBody<unknown>) =>
  body.errors?.some((error) =>
    ["PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"].includes(
      error.extensions?.code ?? "",
    ),
  ) ?? false;

/** Runs `operation`; resolves to its `data`, or rejects with the first error. */
export async function request<T>(operation: Operation, signal?: AbortSignal): Promise<T> {
  const { query, variables } = operation;
  const hash = await sha256(query);
  let body: GraphQLBody<T>;
  if (hash) {
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    const url = new URL(endpoint);
    url.searchParams.set("variables", JSON.stringify(variables));
    url.searchParams.set("extensions", JSON.stringify(extensions));
    body = await fetch(url, { headers: accept, signal }).then((response) => parse<T>(response));
    if (notPersisted(body)) body = await post<T>({ query, variables, extensions }, signal);
  } else {
    body = await post<T>({ query, variables }, signal);
  }
  const error = body.errors?.[0];
  if (error || !body.data) {
    throw new ApiError(error?.message ?? "no data", error?.extensions?.code);
  }
  return body.data;
}

/** The playground, opened with `operation` in a tab of its own. */
export function playgroundLink(operation: Operation): string {
  const url = new URL(endpoint);
  url.searchParams.set("query", operation.query);
  url.searchParams.set("variables", JSON.stringify(operation.variables, null, 2));
  return url.pathname + url.search;
}
