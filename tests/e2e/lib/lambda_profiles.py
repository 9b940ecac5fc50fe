"""Reads the profiles lambdascope's extension stored, for the extension's end-to-end tests.

A small decoder of gzip'd pprof (profile.proto's wire format; no protobuf module needed) and the parser of
the key layout <function>/<YYYY>/<MM>/<DD>/<HH>/<start-ms>_<duration-ms>_<phase>_<request-id>.pb.gz.
"""
import gzip
import os
import re


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one message; value is an int or bytes."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            v = buf[i:i + n]
            i += n
        elif wire == 1:
            v = int.from_bytes(buf[i:i + 8], "little")
            i += 8
        elif wire == 5:
            v = int.from_bytes(buf[i:i + 4], "little")
            i += 4
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, v


def _ints(wire, v):
    """A repeated integer field: packed (bytes) or one value."""
    if wire != 2:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def _signed(x):
    return x - (1 << 64) if x >= 1 << 63 else x


def read_pprof(path):
    """{'samples': [{'stack': [function names, leaf first], 'values': [...], 'labels': {k: v}}],
    'comments': [...], 'time_nanos', 'duration_nanos', 'sample_types': [(type, unit)]}"""
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings, samples, locations, functions, comments, types = [], [], {}, {}, [], []
    time_nanos = duration_nanos = 0
    for f, w, v in _fields(data):
        if f == 6:
            strings.append(v.decode("utf-8", "replace"))
        elif f == 2:
            samples.append(v)
        elif f == 4:
            loc_id, lines = 0, []
            for lf, lw, lv in _fields(v):
                if lf == 1:
                    loc_id = lv
                elif lf == 4:
                    fid = next((x for ff, _, x in _fields(lv) if ff == 1), 0)
                    lines.append(fid)
            locations[loc_id] = lines
        elif f == 5:
            fid, name = 0, 0
            for ff, _, fv in _fields(v):
                if ff == 1:
                    fid = fv
                elif ff == 2:
                    name = fv
            functions[fid] = name
        elif f == 13:
            comments += _ints(w, v)
        elif f == 1:
            t = dict((ff, fv) for ff, _, fv in _fields(v))
            types.append((t.get(1, 0), t.get(2, 0)))
        elif f == 9:
            time_nanos = _signed(v)
        elif f == 10:
            duration_nanos = _signed(v)
    out = []
    for s in samples:
        locs, values, labels = [], [], {}
        for sf, sw, sv in _fields(s):
            if sf == 1:
                locs += _ints(sw, sv)
            elif sf == 2:
                values += [_signed(x) for x in _ints(sw, sv)]
            elif sf == 3:
                lab = dict((lf, lv) for lf, _, lv in _fields(sv))
                key = strings[lab.get(1, 0)]
                labels[key] = strings[lab[2]] if lab.get(2) else _signed(lab.get(3, 0))
        stack = []
        for loc in locs:
            for fid in reversed(locations.get(loc, [])):
                stack.append(strings[functions.get(fid, 0)])
        out.append({"stack": stack, "values": values, "labels": labels})
    return {
        "samples": out,
        "comments": [strings[c] for c in comments],
        "time_nanos": time_nanos,
        "duration_nanos": duration_nanos,
        "sample_types": [(strings[a], strings[b]) for a, b in types],
    }


KEY = re.compile(r"^(?P<function>[^/]+)/(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)/(?P<h>\d\d)/"
                 r"(?P<start>\d+)_(?P<duration>\d+)_(?P<phase>[a-z]+)_(?P<request>[A-Za-z0-9.-]+)"
                 r"(?:_(?P<type>[A-Za-z0-9.-]+))?\.pb\.gz$")


def stored_profiles(root):
    """Every file under root, parsed: a list of dicts with the key's fields and the profile."""
    out = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            m = KEY.match(rel)
            if not m:
                raise AssertionError(f"stored file with an unexpected key: {rel}")
            p = read_pprof(path)
            p.update(path=path, key=rel, function=m["function"], start_ms=int(m["start"]),
                     duration_ms=int(m["duration"]), phase=m["phase"], request_id=m["request"],
                     profile_type=m["type"] or "")
            p["attributes"] = dict(c[len("lambdascope."):].split(": ", 1) for c in p["comments"]
                                   if c.startswith("lambdascope."))
            out.append(p)
    return out


def burn_names(profile):
    """The burn_rNN functions in a profile's stacks, with the number of samples that hold each."""
    counts = {}
    for s in profile["samples"]:
        names = set()
        for frame in s["stack"]:
            m = re.search(r"\bburn_r\d\d\b", frame)
            if m:
                names.add(m.group(0))
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    return counts


def heaviest_stacks(profile, n=8):
    """What a profile holds, for a failure's reader: its heaviest stacks (leaf first, thread labels) with
    their first sample type's value."""
    tops = {}
    for s in profile["samples"]:
        thread = s["labels"].get("thread name") or s["labels"].get("thread id") or ""
        key = f"[{thread}] " + " <- ".join(s["stack"][:8])
        tops[key] = tops.get(key, 0) + (s["values"][0] if s["values"] else 1)
    top = "\n  ".join(f"{v}: {k}" for k, v in sorted(tops.items(), key=lambda kv: -kv[1])[:n])
    return f"{len(profile['samples'])} samples; the heaviest stacks:\n  {top}"


def verify_burn_run(tmp, function, handler_frame, init_frame, telemetry=True, memory_mb=128, init_samples=True,
                    throttled=False):
    """The checks every extension run of the burn functions must pass: `tmp` holds out.jsonl (`local
    --json`), err.log and lambdascope-data/; invocation k burned CPU in burn_r<k>. Exits on failure.
    `throttled`: the sandbox ran at its CPU share (`local --memory 128`: 7% of a CPU), so an invocation burns
    some 28 ms of CPU in a handful of heavy samples, and where the time went between them is not checked: only
    that the handler's function is named, and nothing of another invocation."""
    import json
    import statistics
    import sys

    log = open(f"{tmp}/err.log").read()

    def check(cond, what):
        if not cond:
            print("FAIL:", what)
            print(log[-4000:])
            sys.exit(1)

    results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
    n = len(results)
    check(all(r["status"] == "success" for r in results), f"{n} successful invocations")
    ids = [r["requestId"] for r in results]
    profiles = stored_profiles(f"{tmp}/lambdascope-data")
    invokes = {p["request_id"]: p for p in profiles if p["phase"] == "invoke"}
    inits = [p for p in profiles if p["phase"] == "init"]
    check(len(profiles) == n + 1, f"{n + 1} profiles stored, got {len(profiles)}: {[p['key'] for p in profiles]}")
    check(len(inits) == 1 and set(invokes) == set(ids), "1 init profile and one invoke profile per request id")
    init = inits[0]
    sandbox = init["request_id"]
    window_label = None if telemetry else "invoke-to-invoke"

    wall_shares = []  # throttled: the busiest thread's wall time over the handler's duration, per invocation
    for k, r in enumerate(results):
        p = invokes[r["requestId"]]
        want = f"burn_r{k:02d}"
        check(p["function"] == function, "function folder")
        if telemetry:
            check(abs(p["duration_ms"] - r["runtimeDurationMs"]) <= 1,
                  f"key duration {p['duration_ms']} vs runtime {r['runtimeDurationMs']}")
        else:
            # Estimated from the last sample (an estimate: on a loaded machine the runtime may wait for a CPU
            # after its last sample): some of the burn, never more than the handler's time.
            check(50 <= p["duration_ms"] <= r["runtimeDurationMs"] + 50,
                  f"key duration {p['duration_ms']} vs runtime {r['runtimeDurationMs']}")
        check(len(p["samples"]) > 0, f"{want}: samples")
        for s in p["samples"]:
            labels = s["labels"]
            check(labels.get("request_id") == r["requestId"], f"request_id label on every sample of {want}")
            check(labels.get("phase") == "invoke" and labels.get("sandbox") == sandbox, "phase and sandbox labels")
            check(labels.get("cold_start") == ("true" if k == 0 else "false"), f"cold_start on {want}: {labels}")
            check(labels.get("window") == window_label, f"window label: {labels}")
            check("status" not in labels, "status success")
            t = labels["end_timestamp_ns"]
            check(p["time_nanos"] <= t <= p["time_nanos"] + p["duration_nanos"],
                  f"sample inside the profile's window: {t} not in [{p['time_nanos']}, +{p['duration_nanos']}] ({s})")
        burns = burn_names(p)
        check(list(burns) == [want], f"profile of {want} holds only {want}: {burns}; {heaviest_stacks(p)}")
        # Of the burning thread's samples: in wall mode (the Lambda default) every thread that ran in the
        # window has samples too (V8's compiler threads).
        # By weight, not rows: a thread throttled to its CPU share (local --memory 128 gives 7% of a CPU) is
        # sampled rarely, and each of its samples stands for every period it waited for a CPU.
        # Of the time it ran: in wall mode its waits are samples too (under load the Runtime API's answer can
        # take a while to arrive, and the thread shows [waiting: I/O] in its poll meanwhile, truthfully).
        burner = {s["labels"].get("thread id") for s in p["samples"] if any(want in f for f in s["stack"])}
        own = [s for s in p["samples"] if s["labels"].get("thread id") in burner and not
               (s["stack"] and s["stack"][0].startswith("[waiting: "))]
        weight = lambda s: s["values"][0] if s["values"] else 1
        burn_w = sum(weight(s) for s in own if any(want in f for f in s["stack"]))
        own_w = sum(weight(s) for s in own)
        if not throttled and burn_w < own_w * 0.5:
            others = {}
            for s in own:
                if not any(want in f for f in s["stack"]):
                    key = ";".join(reversed(s["stack"][:4]))
                    others[key] = others.get(key, 0) + weight(s)
            top = sorted(others.items(), key=lambda kv: -kv[1])[:5]
            check(False, f"{want} in most of its thread's sampled time: {burn_w} of {own_w} periods; else: {top}")
        check(any(any(handler_frame in f for f in s["stack"]) for s in p["samples"]),
              f"the handler's frame ({handler_frame}) by name")
        if throttled:
            wall_i = [i for i, (name, _) in enumerate(p["sample_types"]) if name == "wall"][0]
            per_thread = {}
            for s in p["samples"]:
                tid = s["labels"].get("thread id")
                per_thread[tid] = per_thread.get(tid, 0) + s["values"][wall_i]
            wall_shares.append(max(per_thread.values()) / 1e6 / r["runtimeDurationMs"])
        a = p["attributes"]
        check(a["request_id"] == r["requestId"] and a["function"] == function, "request and function comments")
        if telemetry:
            check("duration_ms" in a, f"report comments on {want} ({k}): {p['comments']}")
            check(abs(float(a["duration_ms"]) - r["durationMs"]) < 0.01,
                  f"duration comment {a.get('duration_ms')} vs {r['durationMs']}")
            check(int(a["billed_duration_ms"]) == r["billedDurationMs"], "billed duration comment")
            check(int(a["memory_size_mb"]) == memory_mb and int(a["max_memory_used_mb"]) == r["maxMemoryUsedMB"],
                  "memory comments")
            check(("init_duration_ms" in a) == (k == 0), "init duration only on the first invocation")
            check(a["window"] == "telemetry", "window comment")
        else:
            check(a["window"] == "invoke-to-invoke", "window comment")
            check(any("Telemetry API is not available" in c for c in p["comments"]), "fallback explained")

    if throttled:
        # Wall time is the invocation's, though the sampler itself waits for the CPU most of each 100 ms period
        # (that lateness counts: it was throttled, not frozen): the handler's thread, busiest by wall, holds
        # about the handler's duration. By the median: a sampler starved for a few hundred ms (CFS hands a
        # throttled group's runtime to CPUs unevenly) takes its next stack late, and that sample's periods
        # may reach back into the previous invocation, already written.
        med = statistics.median(wall_shares)
        check(0.8 <= med <= 1.2, f"median wall share of the handler's thread {med:.2f}: "
              f"{' '.join(f'{x:.2f}' for x in wall_shares)}")
        print(f"wall time of the handler's thread over its duration: median {med:.2f}, "
              f"min {min(wall_shares):.2f}, max {max(wall_shares):.2f}")
    check((init["samples"] or not init_samples) and all(s["labels"]["phase"] == "init" and s["labels"]["cold_start"] == "true"
                                  and s["labels"]["request_id"] == sandbox for s in init["samples"]), "init labels")
    check(burn_names(init) == {}, "no burn_r in the init profile")
    check(init["start_ms"] <= invokes[ids[0]]["start_ms"], "init before the first invocation")
    if telemetry:
        check(float(init["attributes"]["init_duration_ms"]) > 0, "init duration comment")
    if init_frame:
        check(any(any(init_frame in f for f in s["stack"]) for s in init["samples"]),
              f"the runtime's start-up code ({init_frame}) in the init profile")

    post = sorted(r["postRuntimeExtensionsDurationMs"] for r in results)
    print(f"post-runtime extension time: p50 {statistics.median(post):.2f} ms, max {post[-1]:.2f} ms")
    check(statistics.median(post) < 5, f"post-runtime p50 under 5 ms: {post}")
    check(f"SHUTDOWN (spindown): {n + 1} profiles written, {n + 1} sent" in log, "shutdown summary")
    check("did not exit before the SHUTDOWN deadline" not in log, "the extension exited in time")
    check(not [f for f in os.listdir(f"{tmp}/spool") if f.endswith(".spool")], "spool empty")
    pid = results[0]["response"]["pid"]
    check(not os.path.exists(f"/tmp/perf-{pid}.map"), "the runtime's perf map removed with its ring")
    print(f"ok: {n} invocations, {n + 1} profiles, each with only its own burn_rNN")
    return results, invokes, init
