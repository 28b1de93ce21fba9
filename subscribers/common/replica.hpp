// Replica: a subscriber's copy of the cluster status document, kept by applying patches in
// patch id order on top of a snapshot. The seam rule: the first patch applied after a
// snapshot taken at patch sequence P must have id P+1; a patch with id <= the replica's is
// already in it and is skipped; a larger jump is a gap, and the replica must be resynced.
#pragma once

#include "json_parse.hpp"
#include "wire.hpp"

#include <optional>
#include <vector>

namespace om::sub {

// What each operation of a patch replaced: the value at its path before it applied, or
// nullopt where there was none.
using OldValues = std::vector<std::optional<json>>;

class Replica {
  public:
    enum class Result { Applied, Old, Gap, Error };

    // Installs a snapshot taken at (epoch, pseq).
    void reset(std::uint64_t epoch, std::uint64_t pseq, json doc);

    // Applies a patch message body whose id is `id`. On Error (a malformed patch) the
    // replica may be partly patched and must be resynced. With `old`, it is filled with
    // the value each operation replaced, in order (one lookup and copy per operation).
    Result apply(std::uint64_t id, simdjson::dom::element body, OldValues* old = nullptr);

    bool synced() const { return synced_; }
    void invalidate() { synced_ = false; }
    std::uint64_t epoch() const { return epoch_; }
    std::uint64_t pseq() const { return pseq_; }
    const json& doc() const { return doc_; }

  private:
    json doc_;
    std::uint64_t epoch_ = 0, pseq_ = 0;
    bool synced_ = false;
};

} // namespace om::sub
