/* The running mediasoup worker's libuv loop, for the thread that asks.
 *
 * mediasoup keeps each worker thread's loop in a thread-local static member,
 * `DepLibUV::loop`, with no accessor outside its own headers; this reads it
 * by its (Itanium C++ ABI) symbol name. That pointer is set before the loop
 * runs but not cleared after mediasoup deletes the loop, and Rust code still
 * runs on the thread afterwards (mediasoup-rust drops its channel callbacks
 * there, which can finish calls). So the addon is linked with
 * `--wrap=mediasoup_worker_run` (see the binding's build.rs): the wrapper
 * below marks the span in which the loop exists. Where that option is not
 * given (other executables that link the core), the wrapper is never called
 * and no loop is ever handed out. */

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
