// FrameArena: storage for the messages a publisher keeps for a while (the broker's replay
// window). Frames are written one after the other into 2 MiB blocks; a block is used again,
// or freed, once every message in it has been released, on whichever thread releases last.
// A malloc per message would instead grow the heap 4 KiB page by 4 KiB page while the
// window fills, a page fault every few events (docs/performance.md, "The replay window's
// page faults").
#pragma once

#include <cstddef>
#include <string_view>
#include <zmq.hpp>

namespace om {

class FrameArena {
  public:
    // Frames larger than this get their own allocation, so that one big frame does not
    // waste the rest of a block.
    static constexpr std::size_t kMaxFrame = 64 * 1024;

    FrameArena() = default;
    ~FrameArena();
    FrameArena(const FrameArena&) = delete;
    FrameArena& operator=(const FrameArena&) = delete;

    // A message holding a copy of `bytes`. It may be copied (zmq_msg_copy shares the bytes)
    // and sent; its storage returns to the arena's pool when the last copy is closed.
    zmq::message_t message(std::string_view bytes);

    // Blocks allocated from the system by all arenas of the process so far (for tests and
    // the benchmarks: a steady state allocates none).
    static std::size_t blocks_allocated();

    struct Block;

  private:
    Block* current_ = nullptr;
};

} // namespace om
