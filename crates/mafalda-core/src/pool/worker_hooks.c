/* The linker hooks the addon puts around mediasoup's C++ worker (both need
 * the binding's build.rs to link with `--wrap`; Linux only).
 *
 * 1. The running worker's libuv loop, for the thread that asks.
 *
 * mediasoup keeps each worker thread's loop in a thread-local static member,
 * `DepLibUV::loop`, with no accessor outside its own headers; this reads it
 * by its (Itanium C++ ABI) symbol name. That pointer is set before the loop
 * runs but not cleared after mediasoup deletes the loop, and Rust code still
 * runs on the thread afterwards (mediasoup-rust drops its channel callbacks
 * there, which can finish calls). So the addon is linked with
 * `--wrap=mediasoup_worker_run`: the wrapper below marks the span in which
 * the loop exists. Where that option is not given (other executables that
 * link the core), the wrapper is never called and no loop is ever handed
 * out. */

extern __thread void *mafalda_ms_worker_loop __asm__("_ZN8DepLibUV4loopE");

static __thread int mafalda_worker_running;

int __real_mediasoup_worker_run(int argc, const char *const *argv, const char *version,
                                int consumer_channel_fd, int producer_channel_fd,
                                void *channel_read_fn, void *channel_read_ctx,
                                void *channel_write_fn, void *channel_write_ctx)
	__attribute__((weak));

int __wrap_mediasoup_worker_run(int argc, const char *const *argv, const char *version,
                                int consumer_channel_fd, int producer_channel_fd,
                                void *channel_read_fn, void *channel_read_ctx,
                                void *channel_write_fn, void *channel_write_ctx)
{
	int status;

	mafalda_worker_running = 1;
	status = __real_mediasoup_worker_run(argc, argv, version, consumer_channel_fd,
	                                     producer_channel_fd, channel_read_fn, channel_read_ctx,
	                                     channel_write_fn, channel_write_ctx);
	mafalda_worker_running = 0;

	return status;
}

void *mafalda_worker_loop(void)
{
	return mafalda_worker_running ? mafalda_ms_worker_loop : 0;
}

/* 2. No static destructors for the worker's code.
 *
 * The C++ worker (and OpenSSL, through atexit) register destructors for
 * their static objects with __cxa_atexit; exit() runs them on the thread
 * that exits while worker threads may still be running mediasoup's code.
 * One worker still closing thousands of producers when the process exited
 * found its method table already destroyed ("unknown method") and crashed
 * the process with SIGSEGV. The JS layer closes every worker and waits for
 * their threads on exit, but only for so long; the kernel reclaims memory
 * and sockets anyway. So the addon is linked with `--wrap=__cxa_atexit`,
 * which sends its own objects' registrations here, where they are dropped:
 * the registrations of Node and of other libraries are untouched. */

int __wrap___cxa_atexit(void (*destructor)(void *), void *object, void *dso_handle)
{
	(void)destructor;
	(void)object;
	(void)dso_handle;
	return 0;
}
