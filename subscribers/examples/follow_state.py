#!/usr/bin/python3
"""Follows the ombus cluster status with gap detection and resync (docs/protocol.md).

usage: follow_state.py PUB_ENDPOINT API_ENDPOINT QUIET_SECONDS
Prints one line per resync, then, once no patch has come for QUIET_SECONDS, the status
document as JSON.
"""
import json, sys, time
import zmq

pub, api, quiet = sys.argv[1], sys.argv[2], float(sys.argv[3])
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.connect(pub)
for topic in (b"patch/", b"tick/"):
    sub.setsockopt(zmq.SUBSCRIBE, topic)          # 1. subscribe first
req = ctx.socket(zmq.REQ)
req.connect(api)

def snapshot():                                    # 2. then take the snapshot
    req.send_json({"op": "snapshot", "protocol": 2})
    frames = req.recv_multipart()
    h = json.loads(frames[0])
    if h.get("status") != "ok":                    # e.g. a broker of another protocol
        sys.exit(f"follow_state.py: snapshot refused: {h.get('message', h)}")
    return h["epoch"], h["pseq"], json.loads(frames[1])

def apply(doc, path, *value):
    parent = doc
    for key in path[:-1]:
        parent = parent.setdefault(key, {}) if isinstance(parent, dict) else parent[key]
    last = path[-1]
    if value:
        if isinstance(parent, list) and last == len(parent):
            parent.append(value[0])
        else:
            parent[last] = value[0]
    elif isinstance(parent, dict):
        parent.pop(last, None)
    elif last < len(parent):
        del parent[last]

epoch, pseq, doc = snapshot()
deadline = time.monotonic() + quiet
while time.monotonic() < deadline:
    if not sub.poll(100):
        continue
    frames = sub.recv_multipart()                  # one frame: TOPIC \n META \n BODY
    parts = frames[0].split(b"\n", 2)
    if len(frames) != 1 or len(parts) != 3:
        sys.exit("follow_state.py: a message not in ombus protocol 2 (docs/protocol.md)")
    topic, meta, body = parts
    meta = json.loads(meta)
    if topic.startswith(b"patch/"):
        deadline = time.monotonic() + quiet        # the stream is not quiet yet
    behind = meta["epoch"] != epoch
    if topic == b"tick/":
        behind = behind or meta["pseq"] > pseq     # 4. an idle stream still shows a loss
    elif not behind and meta["kseq"] > pseq:
        if meta["kseq"] == pseq + 1:               # 3. the seam rule
            for op in json.loads(body)["data"]:
                apply(doc, *op)
            pseq = meta["kseq"]
        else:
            behind = True
    if behind:
        print(f"resync: epoch {meta['epoch']}, behind at patch {pseq}", file=sys.stderr)
        epoch, pseq, doc = snapshot()
print(json.dumps(doc))
