// The hook runner's persisted cursor.
#include "cursor.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace om::hooks {

Cursor::Cursor(std::string path) : path_(std::move(path)) {}

bool Cursor::load() {
    std::ifstream in(path_);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!j.is_object() || !j.contains("epoch") || !j.contains("seq"))
        throw std::runtime_error(path_ +
                                 ": not a hook cursor (expected {\"epoch\",\"seq\",\"done\"})");
    epoch_ = j["epoch"].get<std::uint64_t>();
    seq_ = j["seq"].get<std::uint64_t>();
    for (const auto& d : j.value("done", nlohmann::json::array()))
        done_.insert(d.get<std::uint64_t>());
    delivered_ = done_;
    return true;
}

bool Cursor::handled(std::uint64_t epoch, std::uint64_t seq) const {
    return epoch == epoch_ && (seq <= seq_ || done_.count(seq));
}

void Cursor::switch_epoch(std::uint64_t epoch) {
    if (epoch == epoch_) return;
    epoch_ = epoch;
    seq_ = 0;
    done_.clear();
    delivered_.clear();
    pending_.clear();
}

void Cursor::begin(std::uint64_t epoch, std::uint64_t seq, int jobs) {
    switch_epoch(epoch);
    delivered_.insert(seq);
    if (jobs > 0) {
        pending_[seq] += jobs;
        return;
    }
    done_.insert(seq);
    advance();
    dirty_ = true;
}

void Cursor::finish(std::uint64_t epoch, std::uint64_t seq) {
    if (epoch != epoch_) return; // an execution of a previous broker run
    auto it = pending_.find(seq);
    if (it == pending_.end()) return;
    if (--it->second > 0) return;
    pending_.erase(it);
    done_.insert(seq);
    advance();
    dirty_ = true;
}

void Cursor::skip_to(std::uint64_t epoch, std::uint64_t seq) {
    switch_epoch(epoch);
    for (auto s = seq_ + 1; s <= seq; ++s)
        if (!pending_.count(s)) {
            done_.insert(s);
            delivered_.insert(s);
        }
    advance();
    dirty_ = true;
}

void Cursor::advance() {
    // The cursor moves over every handled event that follows it without a hole.
    while (done_.count(seq_ + 1)) {
        done_.erase(seq_ + 1);
        delivered_.erase(seq_ + 1);
        ++seq_;
    }
}

void Cursor::flush() {
    if (!dirty_) return;
    save();
    dirty_ = false;
}

void Cursor::save() const {
    nlohmann::json j{{"epoch", epoch_}, {"seq", seq_}, {"done", done_}};
    const auto tmp = path_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump() << "\n";
        if (!out) throw std::runtime_error(tmp + ": cannot write the hook cursor");
    }
    std::filesystem::rename(tmp, path_);
}

} // namespace om::hooks
