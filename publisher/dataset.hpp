// Dataset: the node's own data (what the broker shows under monitor.nodes.<node>), its
// generation, and the ops changed since the last heartbeat, waiting to be sent as a delta.
#pragma once

#include "patch.hpp"
#include "patch_writer.hpp"

#include <cstdint>

namespace om::publisher {

class Dataset {
  public:
    // Starts with frozen 0, monitor {status idle, status_updated now} and the node facts.
    Dataset();

    // Sets path to value; no-op (and no pending op) when it already holds that value.
    // Throws PatchError when the path goes through a scalar; nothing changes then.
    void set(const Path& path, const json& value);
    // Removes path; no-op when it is missing.
    void unset(const Path& path);
    // Applies the diff between two versions of a subtree rooted at `prefix`.
    void replace_subtree(const Path& prefix, const json& before, const json& after);

    bool has_pending() const { return !pending_.empty(); }
    // Takes the pending ops for a delta and moves to the next generation.
    // Returns the ops JSON list; gen() is then the delta's generation.
    std::string take_delta();

    const json& data() const { return data_; }
    std::uint64_t gen() const { return gen_; }

  private:
    json data_;
    std::uint64_t gen_ = 1;
    PatchWriter pending_;
};

} // namespace om::publisher
