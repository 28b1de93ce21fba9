// Blocks of published frames, recycled through one pool per process.
#include "frame_arena.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <vector>

namespace om {

namespace {
// 2 MiB: one transparent huge page where the kernel grants them (madvise), so a block
// costs one page fault instead of 512.
constexpr std::size_t kBlockSize = 2 * 1024 * 1024;
// Free blocks kept for reuse; more are given back to the system (a trimmed window).
constexpr std::size_t kKeepFree = 4;

std::atomic<std::size_t> g_allocated{0};

constexpr std::size_t round_up(std::size_t n) {
    return (n + 15) & ~std::size_t{15};
}
} // namespace

struct FrameArena::Block {
    // One for the arena while the block is its current one, plus one per live message.
    std::atomic<std::size_t> refs{1};
    std::size_t used = round_up(sizeof(Block));

    char* base() { return reinterpret_cast<char*>(this); }
};

namespace {
using Block = FrameArena::Block;

struct Pool {
    std::mutex mutex;
    std::vector<Block*> free;
};

// Never destroyed: libzmq's I/O threads may release the last messages during exit.
Pool& pool() {
    static Pool* p = new Pool;
    return *p;
}

Block* take_block() {
    {
        std::lock_guard lock(pool().mutex);
        if (!pool().free.empty()) {
            Block* b = pool().free.back();
            pool().free.pop_back();
            return new (b) Block;
        }
    }
    void* p = std::aligned_alloc(kBlockSize, kBlockSize);
    if (!p) throw std::bad_alloc();
    (void)madvise(p, kBlockSize, MADV_HUGEPAGE); // a hint: without it, 4 KiB pages
    g_allocated.fetch_add(1, std::memory_order_relaxed);
    return new (p) Block;
}

// Drops one reference; the last one returns the block to the pool (any thread).
void release(Block* b) {
    if (b->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    b->~Block();
    {
        std::lock_guard lock(pool().mutex);
        if (pool().free.size() < kKeepFree) {
            pool().free.push_back(b);
            return;
        }
    }
    std::free(b);
}

// libzmq's free function: called when the last copy of a message is closed.
void release_message(void*, void* hint) {
    release(static_cast<Block*>(hint));
}
} // namespace

FrameArena::~FrameArena() {
    if (current_) release(current_);
}

zmq::message_t FrameArena::message(std::string_view bytes) {
    if (bytes.size() > kMaxFrame) return zmq::message_t(bytes.data(), bytes.size());
    if (!current_ || current_->used + bytes.size() > kBlockSize) {
        if (current_) release(current_);
        current_ = nullptr; // take_block may throw
        current_ = take_block();
    }
    char* at = current_->base() + current_->used;
    if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
    zmq::message_t msg(at, bytes.size(), &release_message, current_);
    // Counted once the message exists: nothing can release it before this returns.
    current_->refs.fetch_add(1, std::memory_order_relaxed);
    current_->used += round_up(bytes.size());
    return msg;
}

std::size_t FrameArena::blocks_allocated() {
    return g_allocated.load(std::memory_order_relaxed);
}

} // namespace om
