// The node dataset and its pending changes.
#include "dataset.hpp"

#include "node_facts.hpp"
#include "wire.hpp"

namespace om::publisher {

Dataset::Dataset() {
    data_ = json{{"frozen", 0},
                 {"monitor", {{"status", "idle"}, {"status_updated", wire::now_ts()}}},
                 {"stats", read_node_facts()}};
}

void Dataset::set(const Path& path, const json& value) {
    if (path.empty()) throw PatchError("patch: the path must not be empty");
    if (json* cur = find(data_, path)) {
        if (*cur == value) return;
        *cur = value; // the common case, an existing leaf: one walk down instead of two
    } else {
        apply_patch(data_, Op{path, value});
    }
    pending_.set(path, value);
}

void Dataset::unset(const Path& path) {
    if (path.empty()) throw PatchError("patch: the path must not be empty");
    if (!find(data_, path)) return;
    apply_patch(data_, Op{path, std::nullopt});
    pending_.del(path);
}

void Dataset::replace_subtree(const Path& prefix, const json& before, const json& after) {
    Path p = prefix;
    Ops ops;
    diff_into(before, after, p, ops);
    for (const auto& op : ops)
        op.value ? set(op.path, *op.value) : unset(op.path);
}

std::string Dataset::take_delta() {
    auto ops = pending_.ops();
    pending_.clear();
    ++gen_;
    return ops;
}

} // namespace om::publisher
