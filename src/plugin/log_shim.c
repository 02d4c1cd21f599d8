/* The LV2 log feature's printf is variadic, which stable Rust cannot define:
 * these two functions format into a stack buffer and hand the text to
 * synth_jack_lv2_log (Rust), which queues it for a non-real-time thread. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
  void* handle;
  int (*printf)(void* handle, uint32_t type, const char* fmt, ...);
  int (*vprintf)(void* handle, uint32_t type, const char* fmt, va_list ap);
} Log;

void synth_jack_lv2_log(void* handle, uint32_t type, const char* text);

static int sj_vprintf(void* handle, uint32_t type, const char* fmt, va_list ap) {
  char buf[256];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  synth_jack_lv2_log(handle, type, buf);
  return n;
}

static int sj_printf(void* handle, uint32_t type, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = sj_vprintf(handle, type, fmt, ap);
  va_end(ap);
  return n;
}

/* Fills an LV2_Log_Log. */
void synth_jack_lv2_log_init(Log* log, void* handle) {
  log->handle = handle;
  log->printf = sj_printf;
  log->vprintf = sj_vprintf;
}
