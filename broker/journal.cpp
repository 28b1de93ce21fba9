// The broker's journal of its own events: load, append, and rewrite when it grows.
#include "journal.hpp"

#include "file_text.hpp"
#include "patch_writer.hpp"
#include "wire.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

namespace om::broker {

namespace {

// The journal line of an entry, newline included:
//   {"ts":T,"nodename":N,"id":ID,"data":{...}}
std::string line_of(const Journal::Entry& e) {
    std::string out = "{\"ts\":" + format_ts(e.ts) + ",\"nodename\":";
    wire::append_json_string(out, e.nodename);
    out += ",\"id\":";
    wire::append_json_string(out, e.id);
    out += ",\"data\":";
    out += e.data;
    out += "}\n";
    return out;
}

// The entry of one journal line; false when the line is not one.
bool parse_line(const std::string& line, Journal::Entry& e) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) return false;
    const auto ts = j.find("ts"), node = j.find("nodename"), id = j.find("id"),
               data = j.find("data");
    if (ts == j.end() || !ts->is_number() || node == j.end() || !node->is_string() ||
        id == j.end() || !id->is_string() || id->get_ref<const std::string&>().empty() ||
        data == j.end() || !data->is_object())
        return false;
    e.ts = ts->get<double>();
    e.nodename = node->get<std::string>();
    e.id = id->get<std::string>();
    e.data = data->dump();
    return true;
}

std::runtime_error error(const std::string& path, const std::string& what) {
    return std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

} // namespace

Journal::Journal(std::string path, std::chrono::milliseconds max_age, std::size_t max_events,
                 double now_ts)
    : path_(std::move(path)), max_age_(max_age), max_events_(max_events) {
    const auto dir = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error(path_ + ": cannot create its directory: " + ec.message());
    // Held for the life of the process (the journal itself is replaced by renames): two
    // brokers on one journal would publish each other's events as their own.
    const auto lock = path_ + ".lock";
    lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) throw error(lock, "cannot open the broker journal's lock");
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(lock_fd_);
        lock_fd_ = -1;
        throw std::runtime_error(path_ + ": the journal is in use by another om-broker");
    }
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
        Entry e;
        if (parse_line(line, e))
            kept_.push_back(std::move(e));
        else
            ++skipped_;
    }
    if (in.bad()) throw error(path_, "cannot read the broker journal");
    trim(now_ts);
    rewrite();
}

Journal::~Journal() {
    if (fd_ >= 0) ::close(fd_);
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Journal::trim(double now_ts) {
    const double oldest = now_ts - std::chrono::duration<double>(max_age_).count();
    while (!kept_.empty() && (kept_.size() > max_events_ || kept_.front().ts < oldest))
        kept_.pop_front();
}

void Journal::rewrite() {
    std::string text;
    for (const auto& e : kept_)
        text += line_of(e);
    replace_file(path_, text, "the broker journal");
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) throw error(path_, "cannot open the broker journal");
}

bool Journal::append(const Entry& e) {
    kept_.push_back(e);
    // The file may hold twice what is kept before it is rewritten: one rewrite per
    // max_events appends, whatever their rate.
    if (kept_.size() >= 2 * max_events_) {
        trim(e.ts);
        try {
            rewrite();
        } catch (const std::runtime_error&) {
            return false;
        }
        return true;
    }
    return write_all(fd_, line_of(e));
}

} // namespace om::broker
