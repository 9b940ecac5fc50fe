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
                 r"(?P<start>\d+)_(?P<duration>\d+)_(?P<phase>[a-z]+)_(?P<request>[A-Za-z0-9.-]+)\.pb\.gz$")


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
                     duration_ms=int(m["duration"]), phase=m["phase"], request_id=m["request"])
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
