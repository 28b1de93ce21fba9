// Incremental construction of patch message bodies.
#include "patch_writer.hpp"

#include "wire.hpp"

#include <charconv>
#include <cmath>
#include <utility>

namespace om {

void PatchWriter::step(const PathElem& e) {
    if (const auto* idx = std::get_if<std::size_t>(&e)) {
        char buf[24];
        data_.append(buf, std::to_chars(buf, buf + sizeof buf, *idx).ptr);
    } else
        wire::append_json_string(data_, std::get<std::string>(e));
}

void PatchWriter::path(std::initializer_list<std::string_view> prefix, const Path& rest) {
    if (count_++) data_.push_back(',');
    data_ += "[[";
    bool first = true;
    for (const auto k : prefix) {
        if (!std::exchange(first, false)) data_.push_back(',');
        wire::append_json_string(data_, k);
    }
    for (const auto& e : rest) {
        if (!std::exchange(first, false)) data_.push_back(',');
        step(e);
    }
    data_.push_back(']');
}

void PatchWriter::set(const Path& p, const json& value) {
    set_text(p, value.dump());
}

void PatchWriter::set_text(const Path& p, std::string_view value_json) {
    set_text({}, p, value_json);
}

void PatchWriter::set_text(std::initializer_list<std::string_view> keys,
                           std::string_view value_json) {
    set_text(keys, Path{}, value_json);
}

void PatchWriter::set_text(std::initializer_list<std::string_view> prefix, const Path& rest,
                           std::string_view value_json) {
    path(prefix, rest);
    data_.push_back(',');
    data_ += value_json;
    data_.push_back(']');
}

void PatchWriter::del(std::initializer_list<std::string_view> prefix, const Path& rest) {
    path(prefix, rest);
    data_.push_back(']');
}

void PatchWriter::del(const Path& p) {
    del({}, p);
}

void PatchWriter::clear() {
    data_.clear();
    count_ = 0;
}

std::string PatchWriter::body(std::string_view nodename, std::uint64_t id, double ts) const {
    std::string out;
    append_body(out, nodename, id, ts);
    return out;
}

void PatchWriter::append_body(std::string& out, std::string_view nodename, std::uint64_t id,
                              double ts) const {
    // {"nodename":N,"kind":"patch","id":ID,"ts":TS,"data":[OP,...]}
    out.reserve(out.size() + data_.size() + nodename.size() + 80);
    out += "{\"nodename\":";
    wire::append_json_string(out, nodename);
    out += ",\"kind\":\"patch\",\"id\":";
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, id).ptr);
    out += ",\"ts\":";
    append_ts(out, ts);
    out += ",\"data\":[";
    out += data_;
    out += "]}";
}

std::string format_ts(double ts) {
    std::string out;
    append_ts(out, ts);
    return out;
}

void append_ts(std::string& out, double ts) {
    // Every event and patch carries one: two integers cost a fifth of a double's fixed-point
    // to_chars, and give the same text. For a clock's time (2^13 s up to 2^33 s) the
    // fraction ts - floor(ts) is exact and holds at most 39 significant bits, so its product
    // by 10^6 (14 bits and a power of two) is exact too: rounded to nearest, ties to even,
    // as to_chars rounds the exact decimal.
    if (ts >= 8192.0 && ts < 8589934592.0) {
        auto secs = static_cast<std::uint64_t>(ts);
        auto us = static_cast<std::uint64_t>(std::nearbyint((ts - double(secs)) * 1e6));
        if (us == 1000000) {
            ++secs;
            us = 0;
        }
        char buf[32];
        char* p = std::to_chars(buf, buf + sizeof buf, secs).ptr;
        *p++ = '.';
        for (int i = 5; i >= 0; --i, us /= 10)
            p[i] = static_cast<char>('0' + us % 10);
        out.append(buf, p + 6);
        return;
    }
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, ts, std::chars_format::fixed, 6);
    out.append(buf, r.ptr);
}

} // namespace om
