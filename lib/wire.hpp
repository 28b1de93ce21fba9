// The wire protocol shared by om-pub, om-broker and om-sub: topics, the meta frame, and the
// heartbeat and control message kinds. docs/protocol.md is the reference for users; this
// file is the reference for the code, and each format is commented where it is built.
#pragma once

#include "json_path.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace om::wire {

// --- PUB socket -------------------------------------------------------------------------
// Protocol 2: every message is ONE frame, three parts separated by a newline:
//   TOPIC '\n' META '\n' BODY
// A SUB socket's prefix subscriptions match the frame's start, that is the topic. Neither
// part contains a raw newline (topics are checked on ingest, META is numbers, BODY is
// compact JSON, which escapes them), so the first two newlines split it. One frame instead
// of protocol 1's three: libzmq moves about 1.3 times the messages (docs/performance.md).
//   TOPIC  "patch/<nodename>/"  or  "event/<event id>/"  or  "tick/"
//          (the trailing '/' keeps "event/hb_stale/" from matching "event/hb_stale_x/")
//   META   {"epoch":E,"seq":S,"kseq":K,"tseq":T}, and for an event emitted by a node
//          also "inc":I,"eid":N (its origin, below), and "resent":1 when the node sent it
//          again to a broker it reconnected to (the body's ts is then its emission time),
//          or when it is the broker's own event of a previous run, published again from
//          its journal (no inc nor eid; the body's ts is when that run made it)
//          seq counts every message of the epoch, kseq those of the same kind (patch or
//          event), tseq those of the same topic; each is +1 on the previous one, so a
//          subscriber to "", "patch/", "event/", or one whole topic sees any loss.
//          (inc, eid) name an event across brokers: every broker a node sends to publishes
//          the node's event N of incarnation I under its own numbers but the same origin.
//   BODY   the message JSON exactly as `om-sub events --format json` prints it.
// A tick carries no body of its own: META is {"epoch","seq","pseq","eseq"} (the last seq,
// patch seq and event seq sent) and BODY is "{}".
inline constexpr unsigned kProtocol = 2;
inline constexpr std::string_view kPatchPrefix = "patch/";
inline constexpr std::string_view kEventPrefix = "event/";
inline constexpr std::string_view kTickTopic = "tick/";

// True when a nodename is acceptable: 1 to 255 characters, none of them '/' (it ends a
// topic segment), a space or a control character.
bool valid_nodename(std::string_view name);

// True when an event id can be a topic segment: 1 to 128 characters, none of them '/', a
// space or a control character.
bool valid_event_id(std::string_view id);

std::string patch_topic(std::string_view nodename);
std::string event_topic(std::string_view event_id);

// The parts of one published message (views into its frame).
struct Parts {
    std::string_view topic, meta, body;
};
// Appends TOPIC '\n' META '\n' BODY to out.
void append_message(std::string& out, std::string_view topic, std::string_view meta,
                    std::string_view body);
// Splits a published frame at its first two newlines; nullopt when it has fewer (a frame
// of protocol 1, or garbage).
std::optional<Parts> split_message(std::string_view frame);

struct Meta {
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0;  // all messages
    std::uint64_t kseq = 0; // same kind; for a patch it equals the body's "id"
    std::uint64_t tseq = 0; // same topic
    // An event's origin: its node's incarnation and event number; 0 when the broker made
    // the event itself (or for a patch).
    std::uint64_t inc = 0, eid = 0;
    bool resent = false; // a node's event sent again after a reconnection, or a broker's
                         // own event of a previous run published again from its journal
};

// What the broker knows of a node's event beyond its data (ingest "inc", "eid", "resent",
// "ts"): its origin, and for an event sent again, the time it was emitted.
struct Origin {
    std::uint64_t inc = 0, eid = 0; // 0: no origin (the broker's own, or no eid)
    bool resent = false;
    double ts = 0; // the time the event was made, when known (else: now, at publication)
};
std::string format_meta(const Meta& m);
void append_meta(std::string& out, const Meta& m); // the same, appended to out
// Parses a META frame; nullopt when malformed.
std::optional<Meta> parse_meta(std::string_view frame);

struct Tick {
    std::uint64_t epoch = 0, seq = 0, pseq = 0, eseq = 0;
};
std::string format_tick(const Tick& t);
void append_tick(std::string& out, const Tick& t);
// Appends a whole tick message: tick/ \n {"epoch","seq","pseq","eseq"} \n {}
void append_tick_message(std::string& out, const Tick& t);
std::optional<Tick> parse_tick(std::string_view frame);

// --- ingest socket (om-pub DEALER -> om-broker ROUTER) ----------------------------------
// One frame of JSON per heartbeat:
//   {"kind":"full", "nodename":N,"inc":I,"gen":G,"ts":T,"data":{...dataset...}}
//   {"kind":"delta","nodename":N,"inc":I,"gen":G,"ts":T,"ops":[[[path],value],[[path]]]}
//   {"kind":"ping", "nodename":N,"inc":I,"gen":G,"ts":T}
//   {"kind":"event","nodename":N,"inc":I,"gen":G,"ts":T,"eid":E,"data":{"id":...,...}}
//      and "resent":true when sent again after a reconnection (ts: its emission time)
// `inc` (incarnation) is fixed for the life of an om-pub process; `gen` is its dataset
// generation: a full carries the generation of its data, a delta turns gen-1 into gen, a
// ping and an event carry the current one. Paths in a delta are relative to the node.
// `eid` numbers the events of the incarnation (1, 2, ...); optional, the origin in META.
// The broker answers on the same connection, when it needs a full:
//   {"kind":"send_full","reason":"gap"|"unknown"|"error"}

// --- api socket (om-sub REQ -> om-broker REP) -------------------------------------------
// Requests are one JSON frame; answers are a JSON header frame, then data frames. Every
// "ok" header carries "protocol":2. snapshot and replay must say "protocol":2 (their data
// follow its framing); without it the answer is {"status":"error","code":"protocol",...}.
//   {"op":"snapshot","protocol":2}
//                      -> {"status":"ok","protocol":2,"epoch":E,"seq":S,"pseq":P,"eseq":V}
//                         | STATUS_JSON
//   {"op":"replay","protocol":2,"epoch":E,"after":V}
//                      -> {"status":"ok","protocol":2,"epoch":E,"count":n,"eseq":V2}
//                         | MESSAGE x n   (each one frame as published: TOPIC\nMETA\nBODY)
//                      -> {"status":"error","code":"too_old"|"epoch","message":...,...}
//   {"op":"ping"}      -> {"status":"ok","protocol":2,"epoch":E,"seq":S,"pseq":P,"eseq":V}
//   {"op":"stats"}     -> {"status":"ok","protocol":2, counters...}

// --- control socket (om-pub ROUTER <- local REQ/DEALER) ---------------------------------
// Requests are text frames: VERB | ARG...; answers one frame: "ok" or "error: <message>".
//   set | PATH=VALUE [| PATH=VALUE ...]     unset | PATH     load | PATH | JSON
//   emit | ID | KEY=VALUE ...   (reason and svcname are KEY=VALUE pairs too)

// Parses a VALUE typed by a user: JSON when it parses as JSON, else the string itself.
json parse_user_value(std::string_view text);

// Appends s to out as a JSON string literal (quotes and escapes).
void append_json_string(std::string& out, std::string_view s);

// Wall-clock time as the floating seconds used in "ts".
double now_ts();

// Microseconds since 1970: a broker's epoch, a publisher's incarnation (unique per run and
// increasing across restarts).
std::uint64_t now_us();

} // namespace om::wire
