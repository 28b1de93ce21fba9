// The hook runner's persisted cursor: handled ranges, a JSON snapshot and a journal.
#include "cursor.hpp"

#include "file_text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unistd.h>

namespace om::hooks {

namespace {
// Journal lines between two snapshots while the runner is busy: a rename every few
// thousand hooks, and a journal of a few tens of kilobytes at most.
constexpr std::size_t kFoldEvery = 4096;

// Parses "EPOCH FROM TO" (one journal line without its newline).
bool parse_line(std::string_view line, std::uint64_t& epoch, std::uint64_t& from,
                std::uint64_t& to) {
    std::uint64_t* out[] = {&epoch, &from, &to};
    const char* p = line.data();
    const char* end = line.data() + line.size();
    for (auto* v : out) {
        while (p < end && *p == ' ')
            ++p;
        const auto r = std::from_chars(p, end, *v);
        if (r.ec != std::errc() || r.ptr == p) return false;
        p = r.ptr;
    }
    return p == end && from <= to;
}

// Parses "o INC EID TS NODE" (one journal line without its newline).
bool parse_origin(std::string_view line, std::uint64_t& inc, std::uint64_t& eid, double& ts,
                  std::string_view& node) {
    if (!line.starts_with("o ")) return false;
    const char* p = line.data() + 2;
    const char* end = line.data() + line.size();
    auto r = std::from_chars(p, end, inc);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return false;
    r = std::from_chars(r.ptr + 1, end, eid);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return false;
    auto f = std::from_chars(r.ptr + 1, end, ts);
    if (f.ec != std::errc()) return false;
    if (f.ptr == end) {
        node = {};
    } else if (*f.ptr == ' ') {
        node = std::string_view(f.ptr + 1, static_cast<std::size_t>(end - f.ptr - 1));
    } else {
        return false;
    }
    return true;
}

} // namespace

Cursor::Cursor(std::string path) : path_(std::move(path)), journal_path_(path_ + ".journal") {}

Cursor::~Cursor() {
    if (journal_fd_ >= 0) ::close(journal_fd_);
}

bool Cursor::load() {
    const auto snapshot = read_file_text(path_);
    if (snapshot) {
        const auto j = nlohmann::json::parse(*snapshot, nullptr, false);
        if (!j.is_object() || !j.contains("epoch") || !j.contains("seq") ||
            !j["epoch"].is_number_unsigned() || !j["seq"].is_number_unsigned())
            throw std::runtime_error(path_ +
                                     ": not a hook cursor (expected {\"epoch\",\"seq\",\"done\"})");
        epoch_ = j["epoch"].get<std::uint64_t>();
        seq_ = j["seq"].get<std::uint64_t>();
        try {
            had_ = om::Origins::from_json(j.value("origins", nlohmann::json::object()));
        } catch (const std::exception& e) {
            throw std::runtime_error(path_ + ": " + e.what());
        }
        if (j.contains("ts") && j["ts"].is_number()) ts_ = j["ts"].get<double>();
        if (j.contains("since") && j["since"].is_number()) since_ = j["since"].get<double>();
        for (const auto& d : j.value("done", nlohmann::json::array())) {
            // [from, to]; a bare number is the format of earlier versions.
            if (d.is_number_unsigned()) {
                mark_done(d.get<std::uint64_t>(), d.get<std::uint64_t>());
            } else if (d.is_array() && d.size() == 2 && d[0].is_number_unsigned() &&
                       d[1].is_number_unsigned() && d[0] <= d[1]) {
                mark_done(d[0].get<std::uint64_t>(), d[1].get<std::uint64_t>());
            } else {
                throw std::runtime_error(path_ + ": bad \"done\" entry " + d.dump());
            }
        }
    }
    const auto journal = read_file_text(journal_path_).value_or("");
    std::size_t at = 0;
    while (true) {
        const auto nl = journal.find('\n', at);
        if (nl == std::string::npos) break; // a torn last line: the runner died writing it
        std::uint64_t epoch, from, to;
        const auto line = std::string_view(journal).substr(at, nl - at);
        std::uint64_t inc, eid;
        double ts;
        std::string_view node;
        if (parse_origin(line, inc, eid, ts, node)) {
            if (eid != 0) had_.record(node, inc, eid);
            ts_ = std::max(ts_, ts);
        } else if (parse_line(line, epoch, from, to)) {
            if (!snapshot && epoch_ == 0) epoch_ = epoch;
            // Lines of another epoch predate the snapshot's (a new epoch is always
            // snapshotted before its first line).
            if (epoch == epoch_) mark_done(from, to);
        }
        ++journal_lines_;
        at = nl + 1;
    }
    // What ran before is either in done_ or was cut by the restart and will be delivered
    // again; the gap rule of begin() then marks the holes below the first event delivered
    // (events older than the replay window) as handled.
    last_delivered_ = seq_;
    return snapshot.has_value() || journal_lines_ > 0;
}

bool Cursor::handled(std::uint64_t epoch, std::uint64_t seq) const {
    if (epoch != epoch_) return false;
    if (seq <= seq_) return true;
    auto it = done_.upper_bound(seq);
    if (it == done_.begin()) return false;
    return seq <= std::prev(it)->second;
}

void Cursor::switch_epoch(std::uint64_t epoch) {
    if (epoch == epoch_) return;
    epoch_ = epoch;
    seq_ = 0;
    done_.clear();
    // pending_ keeps the executions of the previous run: what they finish is still noted
    // by origin, for a restart against the new broker, which numbers the same node events
    // anew.
    last_delivered_ = 0;
    unwritten_.clear();
    snapshot_stale_ = true;
}

void Cursor::mark_done(std::uint64_t from, std::uint64_t to) {
    if (to <= seq_) return;
    from = std::max(from, seq_ + 1);
    // Merge with the ranges it overlaps or touches, so that they stay disjoint and few.
    auto it = done_.upper_bound(from);
    if (it != done_.begin()) {
        auto prev = std::prev(it);
        if (prev->second + 1 >= from) {
            from = prev->first;
            to = std::max(to, prev->second);
            it = done_.erase(prev);
        }
    }
    while (it != done_.end() && it->first <= to + 1) {
        to = std::max(to, it->second);
        it = done_.erase(it);
    }
    if (from == seq_ + 1) {
        seq_ = to; // no hole below: the cursor itself moves
        return;
    }
    done_[from] = to;
}

void Cursor::note(std::uint64_t inc, std::uint64_t eid, double ts, std::string_view node) {
    if (eid != 0) had_.record(node, inc, eid);
    ts_ = std::max(ts_, ts);
    // Journal line: "o INC EID TS NODE", an event handled (see cursor.hpp). TS
    // in its shortest form that reads back exactly.
    char ts_text[32];
    const auto r = std::to_chars(ts_text, ts_text + sizeof ts_text, ts);
    unwritten_ += "o " + std::to_string(inc) + " " + std::to_string(eid) + " ";
    unwritten_.append(ts_text, r.ptr);
    if (!node.empty()) unwritten_.append(" ").append(node);
    unwritten_ += '\n';
}

void Cursor::record(std::uint64_t from, std::uint64_t to) {
    mark_done(from, to);
    // Journal line: "EPOCH FROM TO", the range of sequences handled (see cursor.hpp).
    unwritten_ +=
        std::to_string(epoch_) + " " + std::to_string(from) + " " + std::to_string(to) + "\n";
}

void Cursor::handle(std::uint64_t epoch, std::uint64_t seq, const EventOrigin& origin) {
    if (epoch == epoch_) record(seq, seq);
    // After its range: a torn journal may forget an origin, never claim one unhandled.
    if (!origin.node.empty()) note(origin.inc, origin.eid, origin.ts, origin.node);
}

void Cursor::begin(std::uint64_t epoch, std::uint64_t seq, int jobs, EventOrigin origin) {
    switch_epoch(epoch);
    if (seq > last_delivered_ + 1) {
        // Delivery is in sequence order: what was skipped will not come (older than the
        // replay window, or before this runner's first start). Ranges already done merge.
        record(last_delivered_ + 1, seq - 1);
    }
    last_delivered_ = std::max(last_delivered_, seq);
    if (jobs > 0) {
        auto& p = pending_[{epoch, seq}];
        p.jobs += jobs;
        p.origin = std::move(origin);
        return;
    }
    handle(epoch, seq, origin);
}

void Cursor::finish(std::uint64_t epoch, std::uint64_t seq) {
    auto it = pending_.find({epoch, seq});
    if (it == pending_.end() || --it->second.jobs > 0) return;
    // Of an earlier broker run, its sequence means nothing now; its origin still does.
    handle(epoch, seq, it->second.origin);
    pending_.erase(it);
}

void Cursor::flush() {
    if (snapshot_stale_) {
        compact();
        return;
    }
    if (unwritten_.empty()) return;
    open_journal();
    if (!write_all(journal_fd_, unwritten_))
        throw std::runtime_error(journal_path_ +
                                 ": cannot append to the hook cursor: " + std::strerror(errno));
    journal_lines_ +=
        static_cast<std::size_t>(std::count(unwritten_.begin(), unwritten_.end(), '\n'));
    unwritten_.clear();
    if (journal_lines_ >= kFoldEvery) compact();
}

void Cursor::compact() {
    if (!snapshot_stale_ && journal_lines_ == 0 && unwritten_.empty()) return;
    save_snapshot();
    // Only once the snapshot holds everything may the journal go; a runner killed in
    // between replays lines that change nothing.
    if (journal_fd_ >= 0) {
        if (::ftruncate(journal_fd_, 0) != 0)
            throw std::runtime_error(journal_path_ +
                                     ": cannot truncate the hook cursor: " + std::strerror(errno));
    } else {
        std::error_code ec;
        std::filesystem::remove(journal_path_, ec);
    }
    journal_lines_ = 0;
    unwritten_.clear();
    snapshot_stale_ = false;
}

void Cursor::open_journal() {
    if (journal_fd_ >= 0) return;
    journal_fd_ = ::open(journal_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal_fd_ < 0)
        throw std::runtime_error(journal_path_ +
                                 ": cannot open the hook cursor journal: " + std::strerror(errno));
}

void Cursor::save_snapshot() const {
    auto done = nlohmann::json::array();
    for (const auto& [from, to] : done_)
        done.push_back({from, to});
    const nlohmann::json j{{"epoch", epoch_},           {"seq", seq_}, {"done", done},
                           {"origins", had_.to_json()}, {"ts", ts_},   {"since", since_}};
    replace_file(path_, j.dump() + "\n", "the hook cursor");
}

} // namespace om::hooks
