// Applying the patch stream to a replica under the seam rule.
#include "replica.hpp"

#include "patch.hpp"

#include <utility>

namespace om::sub {

void Replica::reset(std::uint64_t epoch, std::uint64_t pseq, json doc) {
    doc_ = std::move(doc);
    epoch_ = epoch;
    pseq_ = pseq;
    synced_ = true;
}

Replica::Result Replica::apply(std::uint64_t id, simdjson::dom::element body, OldValues* old) {
    if (!synced_) return Result::Gap;
    if (id <= pseq_) return Result::Old;
    if (id != pseq_ + 1) {
        synced_ = false;
        return Result::Gap;
    }
    simdjson::dom::array ops;
    if (body["data"].get_array().get(ops)) {
        synced_ = false;
        return Result::Error;
    }
    if (old) old->clear();
    try {
        Op o; // one for all the ops: its path keeps its capacity
        for (auto e : ops) {
            simdjson::dom::array op;
            o.path.clear();
            if (e.get_array().get(op) || op.size() < 1 || op.size() > 2 ||
                !append_path(op.at(0).value_unsafe(), o.path))
                throw PatchError("malformed op");
            if (old) {
                const json* was = find(std::as_const(doc_), o.path);
                old->push_back(was ? std::optional<json>(*was) : std::nullopt);
            }
            if (op.size() == 2)
                o.value = to_json(op.at(1).value_unsafe());
            else
                o.value.reset();
            apply_patch(doc_, std::move(o)); // the value moves into the document, uncopied
        }
    } catch (const PatchError&) {
        synced_ = false;
        return Result::Error;
    }
    pseq_ = id;
    return Result::Applied;
}

} // namespace om::sub
