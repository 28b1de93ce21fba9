// Benchmark of the core library: one-leaf apply on a small and a large cluster state, diff
// of two node datasets, filter evaluation, reading an event's data out of its ingest frame,
// a timestamp's text, string escaping. Prints its figures and their targets.
//   build/tests/bench/bench_lib [--smoke]
#include "bench_util.hpp"
#include "filter.hpp"
#include "json_parse.hpp"
#include "patch.hpp"
#include "patch_writer.hpp"
#include "rig.hpp"
#include "wire.hpp"

#include <charconv>
#include <regex>

using namespace om;

namespace {

// An instance status shaped like the specification's example.
json instance_status(int i) {
    return json{
        {"avail", i % 2 ? "up" : "down"},
        {"overall", "up"},
        {"frozen", false},
        {"provisioned", true},
        {"topology", "failover"},
        {"placement", "spread"},
        {"mtime", 1539075540.317291 + i},
        {"updated", "2018-10-09T08:59:00.317291Z"},
        {"status_group", {{"fs", "n/a"}, {"ip", "up"}, {"app", "n/a"}}},
        {"monitor", {{"status", "idle"}, {"status_updated", 1539074254.76}, {"placement", ""}}}};
}

json node_dataset(int services) {
    json n{{"frozen", 0},
           {"monitor", {{"status", "idle"}, {"status_updated", 1539074255.12}}},
           {"stats",
            {{"load_15m", 0.3}, {"mem_avail", 71}, {"mem_total", 24000}, {"uptime", 123456}}}};
    for (int s = 0; s < services; ++s)
        n["services"]["status"]["svc" + std::to_string(s)] = instance_status(s);
    return n;
}

json cluster_state(int nodes, int services) {
    json doc{{"cluster", {{"name", "bench"}, {"nodes", json::array()}}}};
    for (int i = 0; i < nodes; ++i) {
        const auto name = "node" + std::to_string(i);
        doc["cluster"]["nodes"].push_back(name);
        doc["monitor"]["nodes"][name] = node_dataset(services);
    }
    return doc;
}

// Median ns of one leaf set deep in the middle node's services.
double one_leaf_apply_ns(json& doc, int nodes, long iters, int rounds) {
    const auto node = "node" + std::to_string(nodes / 2);
    Op op{Path{std::string("monitor"), std::string("nodes"), node, std::string("services"),
               std::string("status"), std::string("svc3"), std::string("monitor"),
               std::string("status")},
          json("idle")};
    const json values[2] = {json("starting"), json("idle")};
    return bench::ns_per_call(iters, rounds, [&](long i) {
        op.value = values[i & 1];
        apply_patch(doc, op);
    });
}

} // namespace

int main(int argc, char** argv) {
    const bool smoke = bench::smoke_mode(argc, argv);
    const long iters = smoke ? 20000 : 1000000;
    const int rounds = smoke ? 3 : 9;
    bool ok = true;
    std::printf("bench_lib (%s)\n", smoke ? "smoke" : "full");

    json small = cluster_state(10, 50);
    json large = cluster_state(1000, 50);
    const double a_small = one_leaf_apply_ns(small, 10, iters, rounds);
    const double a_large = one_leaf_apply_ns(large, 1000, iters, rounds);
    ok &= bench::report("apply one leaf op, 10 nodes x 50 services", a_small / 1000, "us",
                        "<= 2 us", a_small <= 2000);
    ok &= bench::report("apply one leaf op, 1000 nodes x 50 services", a_large / 1000, "us",
                        "<= 2 us", a_large <= 2000);
    ok &= bench::report("  ratio 1000-node / 10-node", a_large / a_small, "x", "<= 1.3",
                        a_large / a_small <= 1.3);

    json d1 = node_dataset(15), d2 = d1;
    d2["services"]["status"]["svc1"]["avail"] = "down";
    d2["services"]["status"]["svc2"]["monitor"]["status"] = "starting";
    d2["stats"]["load_15m"] = 0.7;
    d2["services"]["status"].erase("svc5");
    const double d_ns = bench::ns_per_call(iters / 20, rounds, [&](long) {
        auto ops = diff(d1, d2);
        if (ops.size() != 4) std::abort();
    });
    bench::report("diff of two node datasets (" + std::to_string(d1.dump().size()) + " B)",
                  d_ns / 1000, "us");

    const auto f_simple = Filter::parse("monitor.nodes.node500.services.status.svc3.avail=up");
    const auto f_star = Filter::parse("monitor.nodes.*.frozen>0");
    const double f_ns = bench::ns_per_call(iters, rounds, [&](long) {
        if (!f_simple.matches(large)) std::abort();
    });
    ok &= bench::report("filter evaluation, simple path, 1000-node state", f_ns / 1000, "us",
                        "<= 1 us", f_ns <= 1000);
    const double w_ns = bench::ns_per_call(smoke ? 50 : 1000, rounds, [&](long) {
        if (f_star.matches(small)) std::abort();
    });
    bench::report("filter evaluation, wildcard over 10 nodes", w_ns / 1000, "us");
    const double w_large = bench::ns_per_call(smoke ? 50 : 1000, rounds, [&](long) {
        if (f_star.matches(large)) std::abort();
    });
    bench::report("filter evaluation, wildcard over 1000 nodes", w_large / 1000, "us");

    // `~` searches in one breadth-first pass (lib/filter_regex), which no pattern can make
    // exponential; libstdc++'s default search of the same pattern (backtracking, started
    // again at every position) is the reference on an everyday pattern.
    const json line{{"id", std::string(290, 'x') + "instance_3"}};
    const auto f_search = Filter::parse("id~instance_[0-9]+$");
    const std::regex backtracking("instance_[0-9]+$", std::regex::ECMAScript);
    const auto& id = line["id"].get_ref<const std::string&>();
    const double s_ns = bench::ns_per_call(smoke ? 50 : 5000, rounds, [&](long) {
        if (!f_search.matches(line)) std::abort();
    });
    const double b_ns = bench::ns_per_call(smoke ? 50 : 5000, rounds, [&](long) {
        if (!std::regex_search(id, backtracking)) std::abort();
    });
    bench::report("filter evaluation, ~ search of a 300-byte string", s_ns / 1000, "us");
    bench::report("  std::regex_search of it, backtracking (reference)", b_ns / 1000, "us");

    // The broker splices an event's data from the ingest frame's text (raw_member), after
    // simdjson parsed the frame whole: that parse is the reference.
    std::uint64_t events = 12344;
    const std::string frame =
        bench::heartbeat_text("n1", 1, events, "event", bench::load_event_tail(12345));
    JsonParser parser;
    const double r_ns = bench::ns_per_call(iters, rounds, [&](long) {
        if (!raw_member(frame, "data")) std::abort();
    });
    const double p_ns = bench::ns_per_call(iters / 4, rounds, [&](long) {
        if (!parser.parse(frame).is_object()) std::abort();
    });
    // What the broker does when the parse told it data is the frame's last member.
    const double l_ns = bench::ns_per_call(iters, rounds, [&](long) {
        if (!raw_member(frame, "data", true)) std::abort();
    });
    bench::report("an event's data text out of its " + std::to_string(frame.size()) +
                      "-byte ingest frame (raw_member)",
                  r_ns, "ns");
    bench::report("  ratio to simdjson's parse of the frame", r_ns / p_ns, "x");
    bench::report("  the same, data known to be the last member", l_ns, "ns");

    // Every event and patch carries its ts with microseconds (append_ts); to_chars of the
    // double in fixed notation is the reference.
    const double now = 1765000000.123456;
    std::string ts_text;
    const double t_ns = bench::ns_per_call(iters, rounds, [&](long i) {
        ts_text.clear();
        append_ts(ts_text, now + double(i & 1023) * 1e-6);
    });
    const double c_ns = bench::ns_per_call(iters, rounds, [&](long i) {
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, now + double(i & 1023) * 1e-6,
                                     std::chars_format::fixed, 6);
        ts_text.assign(buf, r.ptr);
    });
    bench::report("a ts with microseconds as text (append_ts)", t_ns, "ns");
    bench::report("  ratio to to_chars of the double, fixed, 6 digits", t_ns / c_ns, "x");

    // The broker writes every string of an event through wire::append_json_string; the
    // same 300-byte string through nlohmann's dump is the reference.
    const std::string text(300, 'p');
    std::string out;
    const double e_ns = bench::ns_per_call(iters, rounds, [&](long) {
        out.clear();
        wire::append_json_string(out, text);
    });
    const double n_ns = bench::ns_per_call(iters / 4, rounds, [&](long) {
        if (json(text).dump().size() != out.size()) std::abort();
    });
    bench::report("JSON string escaping, 300 B (wire::append_json_string)", e_ns, "ns");
    bench::report("  ratio to nlohmann's dump of the same string", e_ns / n_ns, "x");
    std::printf("%s\n", ok ? "all targets met" : "some targets missed");
    return 0; // figures are reported, not asserted: shared machines are noisy
}
