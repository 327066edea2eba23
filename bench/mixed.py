#!/usr/bin/env python3
"""Mixed read/write load on Citynet with a stale-read checker. Python 3 standard library only.

    bench/mixed.py mixed --url URL --token TOKEN --duration 10 --clients 16 [--write-interval 1]
    bench/mixed.py tail  --url URL --token TOKEN --duration 60 --clients 200 [--write-fraction 0.1]
    bench/mixed.py --self-test
    bench/mixed.py --markdown MIXED.json TAIL.json SELF_TEST.json   (bench/run's sections)

`mixed`: CLIENTS closed-loop readers send 50 distinct query documents (places by slug or id
with different nested selections, network and place pages, filters, search terms, events,
paths) with varying variables; 90 % of the reads repeat a small hot set (fixed documents and
variables). One writer renames a probe place through `updateCity` every WRITE_INTERVAL seconds.

`tail`: CLIENTS closed-loop clients, each owning one probe place; each request is a rename of
its own probe (`updateCity`) with probability WRITE_FRACTION, else a read drawn as above. Writes
are not throttled: the write rate is what the server acknowledges.

Stale reads. Every probe's name carries a version, "Bench probe m0 v17". Only one client ever
writes a given probe, one write at a time, so its versions are committed in order. The writer
records (ack_time, probe, version) when the HTTP response of an acknowledged write has been
read; a reader records start_time just before sending, and every probe version its response
shows (any document: the place itself, a network's member list, a search hit, a page of
places). Both clocks are CLOCK_MONOTONIC (time.monotonic), one clock for every process on the
machine. A read is stale when it started after the acknowledgement of version v of a probe and
shows that probe at a version below v: a server that answers only committed data can never do
that, a response cache that is not invalidated by the write does. Reads that overlap a write
(started before its acknowledgement) may show either version and are not held to it. The
checker errs on the side of the server: ack_time is taken after the commit and start_time
before the request leaves, so clock placement cannot turn a fresh read into a stale one.

`--self-test` shows the checker can fail: it feeds count_stale() synthetic reads of which
exactly one is stale (expects 1), then drives a fake GraphQL server in this process whose
reads lag its writes by 0.25 s, as a cache invalidated late would (expects stale > 0), and the
same fake server without the lag (expects 0).

Output: one JSON object on stdout (the hit rate from /metrics deltas of the
citynet_response_cache_* counters; null while the server has none). Exit status 0; 1 when a read was stale (or the self-test
failed); 2 when the setup failed (a document answered with errors, a probe could not be made).
"""

import argparse
import array
import bisect
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections import defaultdict

PROBE_RE = re.compile(rb"Bench probe ([a-z]\d+) v(\d+)")


def probe_name(key, version):
    return f"Bench probe {key} v{version}"


# --------------------------------------------------------------------------------------------
# The checker


def count_stale(acks, reads, examples=5):
    """acks: iterable of (ack_time, probe, version); reads: iterable of
    (start_time, [(probe, version), ...]). Returns (stale, checked, [example, ...]): a read is
    checked when it started strictly after at least one acknowledged write of a probe it shows,
    and stale when it shows some probe at a version below the highest version acknowledged
    strictly before it started."""
    by_probe = defaultdict(list)
    for ack_time, probe, version in acks:
        by_probe[probe].append((ack_time, version))
    index = {}
    for probe, entries in by_probe.items():
        entries.sort()
        times, highest, best = [], [], -1
        for ack_time, version in entries:
            best = max(best, version)
            times.append(ack_time)
            highest.append(best)
        index[probe] = (times, highest)
    stale = checked = 0
    found = []
    for start, seen in reads:
        is_checked = is_stale = False
        for probe, version in seen:
            if probe not in index:
                continue
            times, highest = index[probe]
            i = bisect.bisect_left(times, start)  # acks with ack_time < start
            if i == 0:
                continue
            is_checked = True
            if version < highest[i - 1]:
                is_stale = True
                if len(found) < examples:
                    found.append({"probe": probe, "observed": version, "acked": highest[i - 1],
                                  "read_started_after_ack_s": round(start - times[i - 1], 6)})
        checked += is_checked
        stale += is_stale
    return stale, checked, found


# --------------------------------------------------------------------------------------------
# HTTP


class Client:
    def __init__(self, url, token=None):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port or 80, u.path or "/graphql"
        self.token = token
        self.conn = None

    def post(self, query, variables=None, write=False):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json"}
        if write:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                self.conn.request("POST", self.path, body, headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt or write:  # never resend a write: it may have been committed
                    return 0, b""
        return 0, b""


def gql(client, query, variables=None, write=False):
    status, body = client.post(query, variables, write)
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
    doc = json.loads(body)
    if doc.get("errors"):
        raise RuntimeError(f"errors: {json.dumps(doc['errors'])[:300]}")
    return doc["data"]


def metrics(url):
    """The response cache's counters from /metrics, or None where the server has none."""
    u = urllib.parse.urlsplit(url)
    try:
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        text = resp.read().decode(errors="replace") if resp.status == 200 else ""
        conn.close()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("citynet_response_cache_"):
            out[parts[0][len("citynet_response_cache_"):]] = float(parts[1])
    return out or None


# --------------------------------------------------------------------------------------------
# The workload: 50 documents, a hot set, probes


CITY_SHAPES = [
    "name",
    "name countryCode",
    "id slug name kind",
    "name latitude longitude",
    "name networkCount eventCount",
    "name memberships { nodes { role since network { name } } }",
    "name memberships(first: 3) { totalCount nodes { role network { slug name } } }",
    "name networks(first: 10) { totalCount nodes { name slug } }",
    "name networks(first: 5, orderBy: {field: NAME}) { nodes { name acronym } }",
    "name twinCities { nodes { name countryCode } }",
    "name hostedEvents(first: 5) { nodes { title year } }",
    "name attendedEvents(first: 5) { nodes { title kind } }",
    "name partners(first: 5) { nodes { sharedNetworkCount city { name } } }",
    "name source { title publisher }",
    "name networks(first: 3) { nodes { name members(first: 5) { nodes { name } } } }",
]
NETWORK_SHAPES = [
    "name",
    "name acronym foundedYear",
    "name topics description",
    "name members(first: 10) { nodes { name } }",
    "name members(last: 20) { nodes { slug name } }",
    "name memberships(first: 10) { nodes { role since city { name } } }",
    "name events(first: 5) { nodes { title year } }",
    "name foundedIn { name } reportedMemberCount",
]
W2_NESTED = "name members(first: 10) { nodes { name networks(first: 5) { nodes { name } } } }"


def documents():
    """[(name, query, variables(rng, ctx))]: 50 distinct documents."""
    docs = []
    for i, shape in enumerate(CITY_SHAPES):
        docs.append((f"city{i}", f"query($slug: String!) {{ city(slug: $slug) {{ {shape} }} }}",
                     lambda r, c: {"slug": c.any_city_slug(r)}))
    docs.append(("node", "query($id: ID!) { node(id: $id) { ... on City { name slug } } }",
                 lambda r, c: {"id": c.any_city_id(r)}))
    docs.append(("nodes", "query($ids: [ID!]!) { nodes(ids: $ids) { ... on City { name } } }",
                 lambda r, c: {"ids": [c.any_city_id(r) for _ in range(3)]}))
    for i, shape in enumerate(NETWORK_SHAPES):
        docs.append((f"network{i}",
                     f"query($slug: String!) {{ network(slug: $slug) {{ {shape} }} }}",
                     lambda r, c: {"slug": r.choice(c.network_slugs)}))
    first = lambda r, c: {"first": r.choice([5, 10, 20])}
    docs += [
        ("networks0", "query($first: Int!) { networks(first: $first) { nodes { name } } }", first),
        ("networks1", "query($first: Int!) { networks(first: $first) { totalCount nodes { slug name acronym } } }", first),
        ("networks2", "query($first: Int!) { networks(first: $first, orderBy: {field: NAME}) { nodes { name } } }", first),
        ("networks3", f"query($first: Int!) {{ networks(first: $first) {{ nodes {{ {W2_NESTED} }} }} }}", first),
        ("networks4", "query($first: Int!) { networks(first: $first) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }", first),
        ("networks5", "query($first: Int!) { networks(last: $first) { nodes { name } } }", first),
        ("cities0", "query($first: Int!) { cities(first: $first) { nodes { id name countryCode } } }", first),
        ("cities1", "query($first: Int!) { cities(first: $first, orderBy: {field: NAME}) { nodes { name } } }", first),
        ("cities2", "query($first: Int!, $cc: String!) { cities(first: $first, filter: {countryCodes: [$cc]}) { totalCount nodes { name } } }",
         lambda r, c: {"first": r.choice([5, 10, 20]), "cc": r.choice(c.country_codes)}),
        ("cities3", "query($text: String!) { cities(first: 20, filter: {nameContains: $text}) { nodes { slug name } } }",
         lambda r, c: {"text": r.choice(c.name_parts)}),
        ("cities4", "query($first: Int!, $min: Int!) { cities(first: $first, filter: {minNetworks: $min}) { nodes { name networkCount } } }",
         lambda r, c: {"first": r.choice([5, 10, 20]), "min": r.choice([1, 2, 3])}),
        ("cities5", "query($first: Int!) { cities(last: $first) { nodes { slug name } } }", first),
    ]
    term = lambda r, c: {"q": r.choice(c.terms)}
    docs += [
        ("search0", "query($q: String!) { search(query: $q) { __typename } }", term),
        ("search1", "query($q: String!) { search(query: $q, first: 5) { ... on City { name } ... on Network { name } ... on Event { title } } }", term),
        ("search2", "query($q: String!) { search(query: $q, first: 20) { ... on City { slug name countryCode } } }", term),
        ("search3", "query($q: String!) { search(query: $q) { __typename ... on Network { name acronym } } }", term),
        ("events0", "query($first: Int!) { events(first: $first) { nodes { title year } } }", first),
        ("events1", "query($first: Int!) { events(first: $first) { nodes { title network { name } host { name } } } }", first),
        ("events2", "{ events(first: 5) { nodes { title participants(first: 5) { nodes { name } } } } }", lambda r, c: {}),
    ]
    two = lambda r, c: {"a": r.choice(c.city_slugs), "b": r.choice(c.city_slugs)}
    docs += [
        ("connection0", "query($a: String!, $b: String!) { connection(from: $a, to: $b) { length } }", two),
        ("connection1", "query($a: String!, $b: String!) { connection(from: $a, to: $b) { length places { name } networks { name } } }", two),
        ("shared", "query($a: String!, $b: String!) { sharedNetworks(a: $a, b: $b) { nodes { name } } }", two),
        ("typename", "{ __typename }", lambda r, c: {}),
        ("cityAndNetwork", "query($c: String!, $n: String!) { city(slug: $c) { name } network(slug: $n) { name } }",
         lambda r, c: {"c": c.any_city_slug(r), "n": r.choice(c.network_slugs)}),
        ("aliases", "query($a: String!, $b: String!) { a: city(slug: $a) { name } b: city(slug: $b) { name } }",
         lambda r, c: {"a": c.any_city_slug(r), "b": c.any_city_slug(r)}),
    ]
    assert len(docs) == 50 and len({q for _, q, _ in docs}) == 50, len(docs)
    return docs


def hot_set(docs, ctx):
    """A few (name, query, fixed variables): what 90 % of the reads repeat. Five of the eight
    show probe places (the probe by slug, by id, as a network member, in the newest places, as
    a search hit), so that the checker reads the written place through cached answers."""
    by_name = {name: query for name, query, _ in docs}
    p0 = ctx.probes[0]
    return [
        ("city0", by_name["city0"], {"slug": p0["slug"]}),
        ("node", by_name["node"], {"id": p0["id"]}),
        ("network4", by_name["network4"], {"slug": ctx.hub}),
        ("cities5", by_name["cities5"], {"first": 10}),
        ("search1", by_name["search1"], {"q": "probe"}),
        ("networks3", by_name["networks3"], {"first": 10}),
        ("city5", by_name["city5"], {"slug": ctx.city_slugs[0]}),
        ("cities0", by_name["cities0"], {"first": 50}),
    ]


class Context:
    def __init__(self, data, probes, hub):
        cities = data["cities"]["nodes"]
        self.city_slugs = [c["slug"] for c in cities]
        self.city_ids = [c["id"] for c in cities]
        self.country_codes = sorted({c["countryCode"] for c in cities if c.get("countryCode")}) or ["DE"]
        self.network_slugs = [n["slug"] for n in data["networks"]["nodes"]]
        words = set()
        for c in cities:
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", c["name"]))
        for n in data["networks"]["nodes"]:
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", n["name"]))
        words = sorted(words)
        self.terms = random.Random(0).sample(words, min(40, len(words))) + ["probe", "ber", "city"]
        self.name_parts = [w[:3] for w in self.terms] + ["probe"]
        self.probes = probes
        self.hub = hub

    def any_city_slug(self, r):
        return r.choice(self.probes)["slug"] if r.random() < 0.2 else r.choice(self.city_slugs)

    def any_city_id(self, r):
        return r.choice(self.probes)["id"] if r.random() < 0.2 else r.choice(self.city_ids)


DISCOVER = ("query BenchDiscover { cities(first: 100) { nodes { id slug name countryCode } } "
            "networks(first: 100) { nodes { id slug name } } }")
CREATE = ("mutation($input: CreateCityInput!) { createCity(input: $input) { city { id slug name } } }")
JOIN = ("mutation($input: CreateMembershipInput!) { createMembership(input: $input) "
        "{ membership { id } } }")
RENAME = "mutation($input: UpdateCityInput!) { updateCity(input: $input) { city { name } } }"


def setup(url, token, tag, nprobes, validate=True):
    """Creates the probes (the first five as members of the first network, the hub), checks
    every document once. Returns (Context, acks of the creations)."""
    client = Client(url, token)
    data = gql(client, DISCOVER)
    if not data["cities"]["nodes"] or not data["networks"]["nodes"]:
        raise RuntimeError("the database has no places or no networks")
    hub = data["networks"]["nodes"][0]
    probes, acks = [], []
    for i in range(nprobes):
        key = f"{tag}{i}"
        city = gql(client, CREATE, {"input": {"name": probe_name(key, 0), "countryCode": "DE",
                                              "slug": f"bench-probe-{tag}-{i}-{os.getpid()}"}},
                   write=True)["createCity"]["city"]
        acks.append((time.monotonic(), key, 0))
        probes.append({"key": key, "id": city["id"], "slug": city["slug"]})
        if i < 5:
            gql(client, JOIN, {"input": {"cityId": city["id"], "networkId": hub["id"]}}, write=True)
    ctx = Context(data, probes, hub["slug"])
    if validate:
        r = random.Random(1)
        for name, query, variables in documents():
            try:
                gql(client, query, variables(r, ctx))
            except Exception as err:  # noqa: BLE001 — reported with the document's name
                raise RuntimeError(f"document {name}: {err}") from err
        for name, query, variables in hot_set(documents(), ctx):
            try:
                gql(client, query, variables)
            except Exception as err:  # noqa: BLE001
                raise RuntimeError(f"hot document {name}: {err}") from err
    return ctx, acks


# --------------------------------------------------------------------------------------------
# Load


def client_loop(url, token, ctx, docs, hot, seed, t0, t_end, write_fraction, own, out):
    r = random.Random(seed)
    client = Client(url, token)
    version = 0
    while time.monotonic() < t0:
        time.sleep(0.001)
    while True:
        start = time.monotonic()
        if start >= t_end:
            break
        if own is not None and r.random() < write_fraction:
            version += 1
            status, body = client.post(RENAME, {"input": {"id": own["id"],
                                                          "name": probe_name(own["key"], version)}},
                                       write=True)
            end = time.monotonic()
            if status == 200 and probe_name(own["key"], version).encode() in body:
                out["acks"].append((end, own["key"], version))
                out["write_latency"].append(end - start)
            else:
                out["write_errors"] += 1
            continue
        if r.random() < 0.9:
            name, query, variables = r.choice(hot)
        else:
            name, query, make = r.choice(docs)
            variables = make(r, ctx)
        status, body = client.post(query, variables)
        end = time.monotonic()
        out["read_latency"].append(end - start)
        out["docs"].add(name)
        if status != 200:
            out["http_errors"] += 1
            continue
        if b'"errors":' in body:
            out["graphql_errors"] += 1
        seen = tuple(sorted({(m.group(1).decode(), int(m.group(2)))
                             for m in PROBE_RE.finditer(body)}))
        if seen:
            out["reads"][seen].append(start)


def new_out():
    return {"acks": [], "write_latency": array.array("d"), "write_errors": 0,
            "read_latency": array.array("d"), "http_errors": 0, "graphql_errors": 0,
            "docs": set(), "reads": defaultdict(lambda: array.array("d"))}


def worker(url, token, ctx, clients, seed, t0, t_end, write_fraction, queue):
    """One process: a thread per client; sends the merged observations back."""
    docs = documents()
    hot = hot_set(docs, ctx)
    outs, threads = [], []
    for index, own in clients:
        out = new_out()
        outs.append(out)
        threads.append(threading.Thread(target=client_loop, daemon=True, args=(
            url, token, ctx, docs, hot, seed * 1000 + index, t0, t_end, write_fraction, own, out)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = new_out()
    for out in outs:
        merged["acks"] += out["acks"]
        merged["write_latency"].extend(out["write_latency"])
        merged["read_latency"].extend(out["read_latency"])
        merged["docs"] |= out["docs"]
        for k in ("write_errors", "http_errors", "graphql_errors"):
            merged[k] += out[k]
        for seen, starts in out["reads"].items():
            merged["reads"][seen].extend(starts)
    merged["reads"] = dict(merged["reads"])
    queue.put(merged)


def writer_loop(url, token, probe, t0, t_end, interval, out):
    """Mixed mode: one rename of the probe every `interval` seconds."""
    client = Client(url, token)
    version, due = 0, t0 + interval / 2
    while True:
        now = time.monotonic()
        if due >= t_end:
            break
        if now < due:
            time.sleep(min(due - now, 0.05))
            continue
        version += 1
        start = time.monotonic()
        status, body = client.post(RENAME, {"input": {"id": probe["id"],
                                                      "name": probe_name(probe["key"], version)}},
                                   write=True)
        end = time.monotonic()
        if status == 200 and probe_name(probe["key"], version).encode() in body:
            out["acks"].append((end, probe["key"], version))
            out["write_latency"].append(end - start)
        else:
            out["write_errors"] += 1
        due += interval


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)  # nearest rank
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def ms(x):
    return None if x is None else round(x * 1000, 2)


def run_load(mode, url, token, duration, clients, write_interval=1.0, write_fraction=0.1,
             processes=None, tag=None, validate=True):
    tag = tag or ("m" if mode == "mixed" else "t")
    nprobes = 5 if mode == "mixed" else clients
    ctx, acks = setup(url, token, tag, nprobes, validate)
    processes = max(1, min(clients, processes or max(2, 2 * (os.cpu_count() or 1))))
    before = metrics(url)
    t0 = time.monotonic() + 0.3
    t_end = t0 + duration
    # Mixed: all CLIENTS read, one extra thread writes. Tail: every client owns a probe.
    assignment = [[] for _ in range(processes)]
    for i in range(clients):
        assignment[i % processes].append((i, ctx.probes[i] if mode == "tail" else None))
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue()
    procs = [mp.Process(target=worker, args=(url, token, ctx, assignment[p], p + 1, t0, t_end,
                                             write_fraction, queue))
             for p in range(processes)]
    for p in procs:
        p.start()
    writer_out = new_out()
    writer = None
    if mode == "mixed":
        writer = threading.Thread(target=writer_loop, args=(url, token, ctx.probes[0], t0, t_end,
                                                            write_interval, writer_out))
        writer.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    if writer:
        writer.join()
    after = metrics(url)
    results.append(writer_out)

    all_acks = acks + [a for res in results for a in res["acks"]]
    reads = [(start, seen) for res in results for seen, starts in res["reads"].items()
             for start in starts]
    stale, checked, examples = count_stale(all_acks, reads)
    read_latency = [x for res in results for x in res["read_latency"]]
    write_latency = [x for res in results for x in res["write_latency"]]
    cache = None
    if before is not None and after is not None:
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        hits, misses = delta.get("hits_total", 0), delta.get("misses_total", 0)
        cache = {"hits": int(hits), "misses": int(misses),
                 "evictions": int(delta.get("evictions_total", 0)),
                 "bytes": int(after.get("bytes", 0)),
                 "hit_rate": round(hits / (hits + misses), 4) if hits + misses else None}
    return {
        "mode": mode, "duration_s": duration, "clients": clients, "processes": processes,
        "write_interval_s": write_interval if mode == "mixed" else None,
        "write_fraction": write_fraction if mode == "tail" else None,
        "documents_used": len(set().union(*(res["docs"] for res in results))),
        "reads": len(read_latency), "reads_per_s": round(len(read_latency) / duration, 1),
        "read_p50_ms": ms(percentile(read_latency, 50)),
        "read_p95_ms": ms(percentile(read_latency, 95)),
        "read_p99_ms": ms(percentile(read_latency, 99)),
        "writes_acked": len(write_latency), "writes_per_s": round(len(write_latency) / duration, 1),
        "write_p50_ms": ms(percentile(write_latency, 50)),
        "write_p95_ms": ms(percentile(write_latency, 95)),
        "write_errors": sum(res["write_errors"] for res in results),
        "requests_per_s": round((len(read_latency) + len(write_latency)) / duration, 1),
        "http_errors": sum(res["http_errors"] for res in results),
        "graphql_errors": sum(res["graphql_errors"] for res in results),
        "stale_reads": stale, "checked_reads": checked, "stale_examples": examples,
        "cache": cache,
    }


# --------------------------------------------------------------------------------------------
# Self-test


def fake_server(lag):
    """A stand-in GraphQL server whose reads show each probe's name as committed `lag` seconds
    ago: a response cache invalidated late. Returns (server, url)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    lock = threading.Lock()
    history = {}  # id -> [(commit_time, name)]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args):
            pass

        def reply(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.reply(404, {})

        def do_POST(self):
            req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            query, variables = req["query"], req.get("variables") or {}
            now = time.monotonic()
            if "BenchDiscover" in query:
                self.reply(200, {"data": {
                    "cities": {"nodes": [{"id": "c1", "slug": "rostock", "name": "Rostock",
                                          "countryCode": "DE"}]},
                    "networks": {"nodes": [{"id": "n1", "slug": "hansa", "name": "Hansa"}]}}})
            elif "createCity" in query:
                inp = variables["input"]
                with lock:
                    history[inp["slug"]] = [(now, inp["name"])]
                self.reply(200, {"data": {"createCity": {"city": {
                    "id": inp["slug"], "slug": inp["slug"], "name": inp["name"]}}}})
            elif "createMembership" in query:
                self.reply(200, {"data": {"createMembership": {"membership": {"id": "m"}}}})
            elif "updateCity" in query:
                inp = variables["input"]
                with lock:
                    history[inp["id"]].append((now, inp["name"]))
                self.reply(200, {"data": {"updateCity": {"city": {"name": inp["name"]}}}})
            else:
                with lock:
                    names = [next(name for t, name in reversed(h) if t <= now - lag or t == h[0][0])
                             for h in history.values()]
                self.reply(200, {"data": {"cities": {"nodes": [{"name": n} for n in names]}}})

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # clients hang up when their process ends: not the test's business

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/graphql"


def self_test():
    report, ok = {}, True
    # 1. Synthetic: versions 0, 1, 2 of probe a acknowledged at 1.0, 2.0, 3.0 s.
    acks = [(1.0, "a0", 0), (2.0, "a0", 1), (3.0, "a0", 2), (1.0, "b0", 0)]
    reads = [
        (0.5, [("a0", 0)]),              # before any acknowledgement: not checked
        (1.5, [("a0", 0)]),              # after v0: fresh
        (2.0, [("a0", 0)]),              # at the acknowledgement of v1, not after: not held to it
        (2.5, [("a0", 1), ("b0", 0)]),   # fresh
        (3.5, [("a0", 1), ("b0", 0)]),   # started after v2's acknowledgement, shows v1: STALE
        (3.5, [("a0", 2)]),              # fresh
        (4.0, [("a0", 3)]),              # a version acknowledged later (write in flight): fresh
    ]
    stale, checked, _ = count_stale(acks, reads)
    report["synthetic"] = {"stale": stale, "checked": checked, "expected_stale": 1}
    ok &= stale == 1 and checked == 6
    # 2. End to end against fake servers: reads lagging writes by 0.25 s, then not lagging.
    for label, lag, want in (("lagging", 0.25, "stale > 0"), ("fresh", 0.0, "stale == 0")):
        server, url = fake_server(lag)
        res = run_load("mixed", url, "self-test-token-0123456789", 1.0, 4, write_interval=0.2,
                       processes=2, tag="s", validate=False)
        server.shutdown()
        report[label] = {"stale": res["stale_reads"], "checked": res["checked_reads"],
                         "writes": res["writes_acked"], "expected": want}
        good = res["stale_reads"] > 0 if lag else res["stale_reads"] == 0
        ok &= good and res["checked_reads"] > 0
    report["ok"] = bool(ok)
    return report


# --------------------------------------------------------------------------------------------
# The sections of bench/results/latest-*.md


def markdown(mixed, tail, test, tail_cold=None):
    ms = lambda v: "-" if v is None else f"{v}ms"

    def cache(r):
        c = r["cache"]
        if not c or c["hit_rate"] is None:
            return "n/a"
        return (f"{round(100 * c['hit_rate'], 1)} % ({c['hits']} of {c['hits'] + c['misses']}; "
                f"{c['evictions']} evictions; {c['bytes']} bytes held)")

    def errors(r):
        return (f"{r['http_errors']} HTTP errors, {r['graphql_errors']} answers with GraphQL "
                f"errors, {r['write_errors']} failed writes")

    s, lag, fresh = test["synthetic"], test["lagging"], test["fresh"]
    out = [
        "",
        "### Mixed workload (seed): 50 documents, 90 % hot, one write per second",
        "",
        "| clients | duration | requests/s | read p50 | read p99 | writes acknowledged "
        "| cache hit rate | stale reads |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {mixed['clients']} | {mixed['duration_s']:g} s | {mixed['requests_per_s']} "
        f"| {ms(mixed['read_p50_ms'])} | {ms(mixed['read_p99_ms'])} | {mixed['writes_acked']} "
        f"| {cache(mixed)} | {mixed['stale_reads']} of {mixed['checked_reads']} |",
        "",
        f"- stale reads: {mixed['stale_reads']} of {mixed['checked_reads']} checked (reads that "
        f"showed a written probe place and started after a write of it was acknowledged); "
        f"{mixed['reads']} reads of {mixed['documents_used']} distinct documents; {errors(mixed)}",
        f"- checker self-test: {'passed' if test['ok'] else 'FAILED'} — synthetic reads: "
        f"{s['stale']} stale of {s['checked']} checked (1 expected); a fake server whose reads lag "
        f"its writes by 0.25 s: {lag['stale']} stale of {lag['checked']}; the same without the "
        f"lag: {fresh['stale']} of {fresh['checked']}",
        f"- load from bench/mixed.py (Python threads in {mixed['processes']} processes on the "
        f"same cores): its own overhead caps the requests/s and is part of every latency",
        "",
        "### Tail latency under write load (seed)",
        "",
        "| response cache | clients | duration | reads/s | read p50 | read p95 | read p99 "
        "| writes/s acknowledged | write p50 | write p95 | cache hit rate | stale reads |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, run in (("on (default)", tail), ("off (RESPONSE_CACHE_BYTES=0)", tail_cold)):
        if run is None:
            continue
        out.append(
            f"| {label} | {run['clients']} | {run['duration_s']:g} s | {run['reads_per_s']} "
            f"| {ms(run['read_p50_ms'])} | {ms(run['read_p95_ms'])} | {ms(run['read_p99_ms'])} "
            f"| {run['writes_per_s']} | {ms(run['write_p50_ms'])} | {ms(run['write_p95_ms'])} "
            f"| {cache(run)} | {run['stale_reads']} of {run['checked_reads']} |")
    out += [
        "",
        f"- each client renames its own probe place with probability {tail['write_fraction']:g} "
        f"per request, unthrottled (closed loop): the write rate is what the server "
        f"acknowledges; {tail['writes_acked']} writes; {errors(tail)}",
    ]
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", nargs="?", choices=["mixed", "tail"])
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--markdown", nargs="+",
                   metavar="MIXED_JSON TAIL_JSON SELF_TEST_JSON [TAIL_COLD_JSON]",
                   help="print bench/run's Markdown sections from these results")
    p.add_argument("--no-errors", metavar="RESULT_JSON",
                   help="exit 1 when this result counts failed requests")
    p.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    p.add_argument("--token", default=os.environ.get("BENCH_TOKEN"))
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--processes", type=int)
    p.add_argument("--write-interval", type=float, default=1.0)
    p.add_argument("--write-fraction", type=float, default=0.1)
    args = p.parse_args()
    if args.markdown:
        if len(args.markdown) not in (3, 4):
            p.error("--markdown takes 3 or 4 result files")
        print(markdown(*(json.load(open(f)) for f in args.markdown)))
        return 0
    if args.no_errors:
        r = json.load(open(args.no_errors))
        return 1 if r["http_errors"] + r["graphql_errors"] + r["write_errors"] else 0
    if args.self_test:
        report = self_test()
        print(json.dumps(report))
        return 0 if report["ok"] else 1
    if not args.mode or not args.token:
        p.error("a mode (mixed or tail) and --token (or BENCH_TOKEN) are required")
    try:
        res = run_load(args.mode, args.url, args.token, args.duration, args.clients,
                       args.write_interval, args.write_fraction, args.processes)
    except (RuntimeError, OSError, KeyError, ValueError) as err:
        print(f"mixed.py: setup failed: {err}", file=sys.stderr)
        return 2
    print(json.dumps(res))
    if res["stale_reads"]:
        print(f"mixed.py: {res['stale_reads']} stale reads of {res['checked_reads']} checked: "
              f"{res['stale_examples']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
