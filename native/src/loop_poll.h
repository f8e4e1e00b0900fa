// Keeps the JS thread's event loop polling instead of sleeping while a call is in flight.
// Header-only so the source list in CMakeLists.txt needs no change.
#pragma once

#include <node_api.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <memory>

// The few libuv functions used here, as node exports them to addons. node-api-headers ships no
// uv.h, and libuv's ABI is stable across 1.x; the handle is allocated with uv_handle_size, so its
// layout is never assumed, except that every handle starts with its `void* data` (documented).
extern "C" {
struct uv_loop_s;
struct uv_idle_s;
struct uv_handle_s;
int uv_idle_init(uv_loop_s* loop, uv_idle_s* idle);
int uv_idle_start(uv_idle_s* idle, void (*cb)(uv_idle_s*));
int uv_idle_stop(uv_idle_s* idle);
void uv_unref(uv_handle_s* handle);
void uv_close(uv_handle_s* handle, void (*cb)(uv_handle_s*));
std::size_t uv_handle_size(int type);
}

namespace trtp {

/**
 * While at least one call with `spinWait` is in flight, an active idle handle makes libuv poll for
 * I/O with a zero timeout instead of sleeping in epoll_wait, so the call thread's completion is
 * picked up at once rather than after the wake-up of a sleeping thread (the same trade as the
 * worker's spin-wait: one busy core for lower latency). Each window lasts at most kLimit from the
 * latest call start; past it the loop sleeps as usual and the completion wakes it as before.
 *
 * One per environment (the addon's instance data), main thread only. The handle is unreferenced:
 * it never keeps the process alive on its own (the call's thread-safe function or AsyncWorker does).
 */
class LoopPoller {
 public:
  static constexpr auto kLimit = std::chrono::milliseconds(2);

  /** Null when the environment gives no loop or libuv refuses (calls then simply do not poll). */
  static std::unique_ptr<LoopPoller> create(napi_env env) noexcept {
    uv_loop_s* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return nullptr;
    constexpr int kUvIdle = 6;  // UV_IDLE in uv_handle_type
    const std::size_t size = uv_handle_size(kUvIdle);
    if (size < sizeof(void*)) return nullptr;
    auto* handle = static_cast<uv_idle_s*>(std::calloc(1, size));
    if (handle == nullptr) return nullptr;
    if (uv_idle_init(loop, handle) != 0) {
      std::free(handle);
      return nullptr;
    }
    uv_unref(reinterpret_cast<uv_handle_s*>(handle));
    std::unique_ptr<LoopPoller> p(new LoopPoller(handle));
    *reinterpret_cast<void**>(handle) = p.get();  // the handle's `data`
    return p;
  }

  ~LoopPoller() { close(); }
  LoopPoller(const LoopPoller&) = delete;
  LoopPoller& operator=(const LoopPoller&) = delete;

  /** A call started: poll (again) for up to kLimit. */
  void begin() noexcept {
    ++active_;
    since_ = std::chrono::steady_clock::now();
    if (handle_ != nullptr && !running_ && uv_idle_start(handle_, &LoopPoller::onIdle) == 0) running_ = true;
  }

  /** A call finished; the last one stops the polling. */
  void end() noexcept {
    if (active_ > 0) --active_;
    if (active_ == 0) stop();
  }

  /** Environment teardown (a cleanup hook): stops and closes the handle, which frees itself. */
  void close() noexcept {
    if (handle_ == nullptr) return;
    stop();
    *reinterpret_cast<void**>(handle_) = nullptr;
    uv_close(reinterpret_cast<uv_handle_s*>(handle_), [](uv_handle_s* h) { std::free(h); });
    handle_ = nullptr;
  }

 private:
  explicit LoopPoller(uv_idle_s* handle) noexcept : handle_(handle) {}

  void stop() noexcept {
    if (handle_ != nullptr && running_) (void)uv_idle_stop(handle_);
    running_ = false;
  }

  static void onIdle(uv_idle_s* handle) {
    auto* self = *reinterpret_cast<LoopPoller**>(handle);
    if (self == nullptr) return;
    if (std::chrono::steady_clock::now() - self->since_ > kLimit) self->stop();
  }

  uv_idle_s* handle_;
  int active_ = 0;
  bool running_ = false;
  std::chrono::steady_clock::time_point since_{};
};

}  // namespace trtp
