// Applying the patch stream to a replica under the seam rule.
#include "replica.hpp"

#include "patch.hpp"

namespace om::sub {

void Replica::reset(std::uint64_t epoch, std::uint64_t pseq, json doc) {
    doc_ = std::move(doc);
    epoch_ = epoch;
    pseq_ = pseq;
    synced_ = true;
}

Replica::Result Replica::apply(std::uint64_t id, simdjson::dom::element body) {
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
    try {
        for (auto e : ops) {
            simdjson::dom::array op;
            Op o;
            if (e.get_array().get(op) || op.size() < 1 || op.size() > 2 ||
                !append_path(op.at(0).value_unsafe(), o.path))
                throw PatchError("malformed op");
            if (op.size() == 2) o.value = to_json(op.at(1).value_unsafe());
            apply_patch(doc_, o);
        }
    } catch (const PatchError&) {
        synced_ = false;
        return Result::Error;
    }
    pseq_ = id;
    return Result::Applied;
}

} // namespace om::sub
